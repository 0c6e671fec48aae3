import { drivesReading, unreadableByCurrentDrives } from '../domain/drive-generations';
import { Generation } from '../domain/tape-id';
import { scoreHealth, type Health, type HealthScore } from '../domain/health';
import { type TapeLabelView } from '../projections/ports/label-queries';
import type { JobView } from '../projections/ports/job-queries';
import type { TapeView } from '../projections/ports/tape-queries';
import type { App } from './app';
import { copyFlags, type JobCopyFlag } from './copy-flags';
import { listSets } from './sets';
import { DEFAULT_LOCATION } from '../domain/set/set-name';

export interface TapeHealth {
  readonly tape: TapeView;
  readonly labels: readonly TapeLabelView[];
  /** The tape set it is in (null: none), and where it is kept (`library` until moved). */
  readonly set: string | null;
  readonly location: string;
  readonly score: HealthScore;
  readonly lastVerify: { readonly status: string; readonly at: string } | null;
  readonly backups: { readonly finished: number; readonly succeeded: number; readonly partial: number };
  readonly lastBackupAt: string | null;
  /** What the tape holds: archived file versions and their bytes, and its newest backup (successful or partial). */
  readonly content: TapeContent;
  /** Its backup jobs that its set's copy policy finds short (too few copies, or all in one place). */
  readonly copyFlags: readonly JobCopyFlag[];
}

export interface TapeContent {
  readonly files: number;
  readonly bytes: number;
  readonly newestBackup: { readonly job: string; readonly status: string; readonly at: string } | null;
}

/** A tape set as the report sees it: where its tapes are, and whether they all sit in one place. */
export interface SetPlaces {
  readonly set: string;
  readonly copies: number;
  readonly tapes: number;
  readonly locations: readonly string[];
  /** Two tapes or more, all in one place: one fire or flood takes the whole set. */
  readonly onePlace: boolean;
}

/** A tape in service whose generation no drive made now reads: to migrate while an older drive still works. */
export interface UnreadableTape {
  readonly tape: string;
  readonly generation: string;
  /** The drive generations (5-10) that read it. */
  readonly readBy: readonly number[];
}

export interface HealthReport {
  readonly generatedAt: string;
  readonly tapes: readonly TapeHealth[];
  readonly sets: readonly SetPlaces[];
  /** Tapes (not migrated, not retired) that no current drive generation reads (domain/drive-generations.ts). */
  readonly unreadable: readonly UnreadableTape[];
  readonly summary: {
    readonly tapes: number;
    readonly good: number;
    readonly warning: number;
    readonly critical: number;
    readonly usedBytes: number;
    readonly capacityBytes: number;
  };
}

const ms = (iso: string | null): number | null => (iso === null ? null : Date.parse(iso));
const endOf = (j: JobView): string => j.endedAt ?? j.startedAt;
const last = <A>(items: readonly A[]): A | undefined => items[items.length - 1];

const SEVERITY: Readonly<Record<Health, number>> = { critical: 0, warning: 1, good: 2 };

/** Worst first (critical, warning, good), then by tape id: what needs a person comes on top. */
export const bySeverity = (a: TapeHealth, b: TapeHealth): number =>
  SEVERITY[a.score.health] - SEVERITY[b.score.health] || (a.tape.id < b.tape.id ? -1 : a.tape.id > b.tape.id ? 1 : 0);

const tapeHealth = (
  tape: TapeView,
  jobs: readonly JobView[],
  labels: readonly TapeLabelView[],
  place: { readonly set: string | null; readonly location: string; readonly copyFlags: readonly JobCopyFlag[] },
  initialisedAt: string | null,
  stored: { readonly files: number; readonly bytes: number },
  nowMs: number,
): TapeHealth => {
  const verify = last(jobs.filter((j) => j.type === 'VERIFY' && j.status !== 'RUNNING'));
  const backups = jobs.filter((j) => j.type === 'BACKUP' && j.status !== 'RUNNING');
  const succeeded = backups.filter((j) => j.status === 'SUCCESS');
  const partial = backups.filter((j) => j.status === 'INTERRUPTED' && j.files > 0);
  const lastBackup = last(succeeded);
  const lastVerify = verify === undefined ? null : { status: verify.status, at: endOf(verify) };
  const lastBackupAt = lastBackup === undefined ? null : endOf(lastBackup);
  const score = scoreHealth(
    {
      usedBytes: tape.usedBytes,
      capacityBytes: tape.capacityBytes,
      lastVerify: lastVerify === null ? null : { status: lastVerify.status, atMs: Date.parse(lastVerify.at) },
      backupsFinished: backups.length,
      backupsSucceeded: succeeded.length,
      backupsPartial: { jobs: partial.length, files: partial.reduce((n, j) => n + j.files, 0) },
      lastBackupAtMs: ms(lastBackupAt),
      initialisedAtMs: ms(initialisedAt),
    },
    nowMs,
  );
  const newest = last(backups.filter((j) => j.status === 'SUCCESS' || j.files > 0));
  const content: TapeContent = { ...stored, newestBackup: newest === undefined ? null : { job: newest.id, status: newest.status, at: endOf(newest) } };
  return { tape, labels, ...place, score, lastVerify, backups: { finished: backups.length, succeeded: succeeded.length, partial: partial.length }, lastBackupAt, content };
};

/** Health of every tape in the catalog (jobs in store order), with a summary. */
export const healthReport = async (app: App): Promise<HealthReport> => {
  const now = app.clock();
  const labels = await app.catalog.labels.byTape();
  const jobs = await app.catalog.jobs();
  const stored = await app.catalog.storedFiles();
  const members = await app.catalog.sets.members();
  const locations = await app.catalog.sets.locations();
  const flags = await copyFlags(app);
  const placeOf = (tape: string) => ({ set: members.get(tape)?.set ?? null, location: locations.get(tape) ?? DEFAULT_LOCATION, copyFlags: flags.get(tape) ?? [] });
  const allTapes = await app.catalog.tapes();
  const tapes: TapeHealth[] = [];
  for (const tape of allTapes) {
    const initialisedAt = (await app.catalog.tapeInfo(tape.id))?.initialisedAt ?? null;
    tapes.push(tapeHealth(tape, jobs.filter((j) => j.tape === tape.id), labels.get(tape.id) ?? [], placeOf(tape.id), initialisedAt, stored.get(tape.id) ?? { files: 0, bytes: 0 }, now.getTime()));
  }
  tapes.sort(bySeverity);
  const count = (h: string) => tapes.filter((t) => t.score.health === h).length;
  return {
    generatedAt: now.toISOString(),
    tapes,
    unreadable: allTapes
      .filter((t) => t.state === 'ACTIVE' && Generation.is(t.generation) && unreadableByCurrentDrives(t.generation))
      .map((t) => ({ tape: t.id, generation: t.generation, readBy: Generation.is(t.generation) ? drivesReading(t.generation) : [] })),
    sets: (await listSets(app)).map((d) => ({
      set: d.name,
      copies: d.copies,
      tapes: d.tapes.length,
      locations: [...new Set(d.tapes.map((t) => t.location))],
      onePlace: d.onePlace,
    })),
    summary: {
      tapes: tapes.length,
      good: count('good'),
      warning: count('warning'),
      critical: count('critical'),
      usedBytes: tapes.reduce((n, t) => n + t.tape.usedBytes, 0),
      capacityBytes: tapes.reduce((n, t) => n + t.tape.capacityBytes, 0),
    },
  };
};
