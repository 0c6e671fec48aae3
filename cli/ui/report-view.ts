import type { HealthReport, TapeHealth } from '../../application/report';

/** The `report --json` shape: scripts rely on these names. */
export const reportJson = (r: HealthReport) => ({
  generatedAt: r.generatedAt,
  summary: r.summary,
  tapes: r.tapes.map((t: TapeHealth) => ({
    tape: t.tape.id,
    generation: t.tape.generation,
    description: t.tape.description,
    encrypted: t.tape.encrypted,
    labels: t.labels.map((l) => l.name),
    set: t.set,
    location: t.location,
    capacityBytes: t.tape.capacityBytes,
    usedBytes: t.tape.usedBytes,
    usage: Math.round(t.score.usage * 10_000) / 10_000,
    health: t.score.health.toUpperCase(),
    reasons: t.score.reasons.map((r) => ({ level: r.level.toUpperCase(), text: r.text })),
    lastVerify: t.lastVerify === null ? null : { ...t.lastVerify, ageDays: t.score.lastVerifyAgeDays },
    backups: { ...t.backups, successRate: t.score.successRate },
    lastBackupAt: t.lastBackupAt,
    daysSinceLastBackup: t.score.daysSinceLastBackup,
    content: t.content,
  })),
  sets: r.sets,
});
