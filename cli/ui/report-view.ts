import type { JobCopyFlag } from '../../application/copy-flags';
import type { HealthReport, TapeHealth, UnreadableTape } from '../../application/report';
import { CURRENT_DRIVE_GENERATIONS } from '../../domain/drive-generations';
import { GENERATIONS, Generation } from '../../domain/tape-id';

/** A job its set's copy policy finds short, in `report --json` and `tape list --json` (docs/JSON.md). */
export const copyFlagJson = (f: JobCopyFlag) => ({ job: f.job, problem: f.problem, copies: f.copies, required: f.required, places: f.places });

/** One line: which job, of which set, and what is short. */
export const copyFlagText = (f: JobCopyFlag): string =>
  f.problem === 'TOO_FEW_COPIES'
    ? `job ${f.job} on ${f.tape} (set ${f.set}): ${f.copies} cop${f.copies === 1 ? 'y' : 'ies'} of the ${f.required} the set asks for${f.places.length === 0 ? '' : ` (${f.places.map((p) => `${p.tape} in ${p.location}`).join(', ')})`}`
    : `job ${f.job} on ${f.tape} (set ${f.set}): all ${f.copies} copies are in one place (${f.places[0]?.location ?? ''})`;

/** The `report --json` shape: scripts rely on these names. */
export const reportJson = (r: HealthReport) => ({
  generatedAt: r.generatedAt,
  summary: r.summary,
  tapes: r.tapes.map((t: TapeHealth) => ({
    tape: t.tape.id,
    generation: t.tape.generation,
    description: t.tape.description,
    encrypted: t.tape.encrypted,
    state: t.tape.state,
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
    copyFlags: t.copyFlags.map(copyFlagJson),
  })),
  sets: r.sets,
  unreadable: r.unreadable,
});

/** One line: a tape no current drive reads, and what to do. */
export const unreadableText = (u: UnreadableTape): string =>
  `${u.tape} (${generationName(u.generation)}): no drive made now (${CURRENT_DRIVE_GENERATIONS.map((d) => `LTO-${d}`).join(', ')}) reads it; ${u.readBy.map((d) => `LTO-${d}`).join(' and ')} drives do: migrate it while one works (\`lto migrate ${u.tape} --to <newer tape>\`)`;

const generationName = (generation: string): string => (Generation.is(generation) ? GENERATIONS[generation].name : generation);
