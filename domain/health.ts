/**
 * A tape's health, scored from facts the catalog holds (pure: the time is given).
 *
 * critical: usage over 95%, the last verify failed, or backup success rate under 60%;
 * warning: usage over 80%, no backup for 30 days, success rate under 80%, never verified,
 * a backup interrupted (partial: what its closed segments hold is kept; it does not
 * count against the success rate).
 */
export type Health = 'good' | 'warning' | 'critical';

export interface HealthFacts {
  readonly usedBytes: number;
  readonly capacityBytes: number;
  /** The latest finished VERIFY job: its status and when it ended (null: never verified). */
  readonly lastVerify: { readonly status: string; readonly atMs: number } | null;
  /** Finished BACKUP jobs (RUNNING ones are not counted) and how many of them succeeded. */
  readonly backupsFinished: number;
  readonly backupsSucceeded: number;
  /** Interrupted backups whose closed segments hold files: partial, neither succeeded nor lost. */
  readonly backupsPartial?: { readonly jobs: number; readonly files: number };
  /** When the last successful backup ended, in ms since the epoch (null: none). */
  readonly lastBackupAtMs: number | null;
  /** When the tape was initialised: a tape with no backup is measured from there. */
  readonly initialisedAtMs: number | null;
}

export interface HealthScore {
  readonly health: Health;
  /** Usage as a fraction of native capacity (0 when the capacity is unknown). */
  readonly usage: number;
  /** Succeeded / finished backups; null when none finished. */
  readonly successRate: number | null;
  readonly daysSinceLastBackup: number | null;
  readonly lastVerifyAgeDays: number | null;
  /** Why it is not good, worst first, in words a person reads. */
  readonly reasons: readonly { readonly level: Exclude<Health, 'good'>; readonly text: string }[];
}

const DAY_MS = 86_400_000;
const daysBetween = (fromMs: number, nowMs: number): number => Math.max(0, Math.floor((nowMs - fromMs) / DAY_MS));
const pct = (f: number): string => `${(100 * f).toFixed(f < 0.995 && f > 0.95 ? 1 : 0)}%`;

export const scoreHealth = (facts: HealthFacts, nowMs: number): HealthScore => {
  const usage = facts.capacityBytes > 0 ? facts.usedBytes / facts.capacityBytes : 0;
  const partial = facts.backupsPartial ?? { jobs: 0, files: 0 };
  // A partial backup kept what it wrote: it does not count against the success rate.
  const judged = facts.backupsFinished - partial.jobs;
  const successRate = judged <= 0 ? null : facts.backupsSucceeded / judged;
  const daysSinceLastBackup = facts.lastBackupAtMs === null ? null : daysBetween(facts.lastBackupAtMs, nowMs);
  const lastVerifyAgeDays = facts.lastVerify === null ? null : daysBetween(facts.lastVerify.atMs, nowMs);
  const idleSince = facts.lastBackupAtMs ?? facts.initialisedAtMs;
  const idleDays = idleSince === null ? null : daysBetween(idleSince, nowMs);

  const critical: string[] = [];
  const warning: string[] = [];
  if (usage > 0.95) critical.push(`${pct(usage)} full`);
  else if (usage > 0.8) warning.push(`${pct(usage)} full`);
  if (facts.lastVerify !== null && facts.lastVerify.status !== 'SUCCESS') critical.push(`last verify ${facts.lastVerify.status.toLowerCase()}`);
  if (facts.lastVerify === null) warning.push('never verified');
  if (successRate !== null && successRate < 0.6) critical.push(`only ${pct(successRate)} of backups succeeded`);
  else if (successRate !== null && successRate < 0.8) warning.push(`only ${pct(successRate)} of backups succeeded`);
  if (partial.jobs > 0) {
    warning.push(`${partial.jobs === 1 ? 'a backup was' : `${partial.jobs} backups were`} interrupted: ${partial.files} file(s) in closed segments kept; back up again to finish`);
  }
  if (idleDays !== null && idleDays > 30) warning.push(facts.lastBackupAtMs === null ? `no backup in ${idleDays} days since it was added` : `no backup for ${idleDays} days`);

  const reasons = [...critical.map((text) => ({ level: 'critical' as const, text })), ...warning.map((text) => ({ level: 'warning' as const, text }))];
  const health: Health = critical.length > 0 ? 'critical' : warning.length > 0 ? 'warning' : 'good';
  return { health, usage, successRate, daysSinceLastBackup, lastVerifyAgeDays, reasons };
};
