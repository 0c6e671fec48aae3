import * as E from 'fp-ts/Either';
import { decodeDomainEvent, jobStream, type ArchivedEntry, type CopyOrigin, type JobStarted, type SegmentClosed } from '../../domain/events';
import type { App } from '../app';

/** A closed segment of the job being copied, with the entries its events list (in their order). */
export interface SourceSegment {
  readonly closed: SegmentClosed;
  readonly entries: readonly ArchivedEntry[];
}

/** What a copy needs of a backup job: its start (mode, sources), its segments and entries, its deletions. */
export interface SourceJob {
  readonly started: JobStarted;
  readonly segments: readonly SourceSegment[];
  readonly deletions: readonly string[];
  /** Its first original: the job itself, or (a copy of a copy) what it is a copy of. */
  readonly origin: CopyOrigin;
}

/**
 * A job's events read back from the event store, exactly as the tape's journal holds
 * them: a copy records the very same entries (names sealed or not, offsets, hashes).
 */
export const readSourceJob = async (app: App, job: string): Promise<SourceJob | undefined> => {
  let started: JobStarted | undefined;
  const closed = new Map<number, SegmentClosed>();
  const entries = new Map<number, ArchivedEntry[]>();
  const deletions: string[] = [];
  for (const stored of await app.store.readStream(jobStream(job))) {
    const decoded = decodeDomainEvent(stored.type, stored.schema, stored.data);
    if (E.isLeft(decoded)) continue;
    const event = decoded.right;
    if (event.type === 'JobStarted') started = event.data;
    else if (event.type === 'SegmentClosed') closed.set(event.data.segment, event.data);
    else if (event.type === 'FilesArchived') entries.set(event.data.segment, [...(entries.get(event.data.segment) ?? []), ...event.data.entries]);
    else if (event.type === 'FilesDeleted') deletions.push(...event.data.paths);
  }
  if (started === undefined) return undefined;
  const segments = [...closed.values()].sort((a, b) => a.segment - b.segment).map((c) => ({ closed: c, entries: entries.get(c.segment) ?? [] }));
  return { started, segments, deletions, origin: started.copyOf ?? { job: started.job, tape: started.tape } };
};

/** Whether a job is one part of several on other tapes (a `backup --set` job that fit on one tape is a span of one part: copied like any). */
export const spansTapes = async (app: App, job: { readonly id: string; readonly span: unknown }): Promise<boolean> =>
  job.span !== null && ((await app.catalog.spanOf(job.id))?.parts.length ?? 1) > 1;
