import * as fs from 'node:fs';

export interface WindowedEntry {
  readonly job: string;
  readonly segment: number | null;
  readonly offset: number | null;
  readonly size: number;
}

/** Neighbouring files of one segment, read with one positioned read of `start..end`. */
export interface WindowRead<T extends WindowedEntry = WindowedEntry> {
  readonly kind: 'window';
  readonly job: string;
  readonly segment: number;
  readonly start: number;
  readonly end: number;
  readonly entries: readonly T[];
}

export type PlannedRead<T extends WindowedEntry = WindowedEntry> = WindowRead<T> | { readonly kind: 'large'; readonly entry: T };

/**
 * Groups files (already in tape order) into read windows: consecutive files of the same
 * segment whose data lies within `maxSpan` of the window's start; a file larger than
 * that streams alone. Only selected files are covered, so a sparse selection never
 * reads the members between them beyond one window's span. Lazy: a window is handed
 * out as soon as the next file does not fit it, so a restore starts before the whole
 * selection is paged in.
 */
export function* planWindows<T extends WindowedEntry>(entries: Iterable<T>, maxSpan: number): Generator<PlannedRead<T>> {
  let current: { job: string; segment: number; start: number; end: number; entries: T[] } | undefined;
  for (const e of entries) {
    if (e.segment === null || e.offset === null || e.size > maxSpan) {
      if (current !== undefined) yield { kind: 'window', ...current };
      current = undefined;
      yield { kind: 'large', entry: e };
      continue;
    }
    const end = e.offset + e.size;
    if (current !== undefined && current.job === e.job && current.segment === e.segment && e.offset >= current.start && end - current.start <= maxSpan) {
      current.end = Math.max(current.end, end);
      current.entries.push(e);
    } else {
      if (current !== undefined) yield { kind: 'window', ...current };
      current = { job: e.job, segment: e.segment, start: e.offset, end, entries: [e] };
    }
  }
  if (current !== undefined) yield { kind: 'window', ...current };
}

/** One positioned read on the thread pool, so the next window reads while this one is written. */
export const readAt = (fd: number, buffer: Buffer, offset: number, length: number, position: number): Promise<number> =>
  new Promise((resolve, reject) => fs.read(fd, buffer, offset, length, position, (error, n) => (error ? reject(error) : resolve(n))));
