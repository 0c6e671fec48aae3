import * as fs from 'node:fs';
import * as path from 'node:path';
import * as t from 'io-ts';
import { isProcessAlive } from './process-alive';

/**
 * A running job's progress, shared between processes: the job (started from the CLI or
 * from the web page) writes its latest sample to `<data folder>/progress/<tape>.json`,
 * atomically (a temporary file renamed over it) and at most 4 times a second, and
 * removes it when it ends; `lto serve` reads the folder and streams what it finds to
 * the browser. The folder is made by `lto serve` (openProgressFolder): a job writes only
 * where one is, so a data folder never served gets no progress files at all. One job runs on a tape at a time (the tape's lock), so the tape names
 * the file. A file whose process is gone (killed) is ignored and removed.
 */

export const JobProgress = t.type({
  tape: t.string,
  pid: t.number,
  phase: t.string,
  unit: t.string,
  done: t.number,
  total: t.number,
  bytes: t.number,
  totalBytes: t.number,
  at: t.string,
});
export type JobProgress = t.TypeOf<typeof JobProgress>;

export const progressFolder = (dataDir: string): string => path.join(dataDir, 'progress');

/** Where running jobs publish their progress from now on (`lto serve` at its start). */
export const openProgressFolder = (dataDir: string): void => {
  fs.mkdirSync(progressFolder(dataDir), { recursive: true });
};

const fileOf = (dataDir: string, tape: string): string => path.join(progressFolder(dataDir), `${tape}.json`);

const EVERY_MS = 250;

export interface ProgressPublisher {
  readonly next: (sample: Omit<JobProgress, 'tape' | 'pid' | 'at'>) => void;
  /** The job ended: its file goes. */
  readonly end: () => void;
}

/** Writes one tape's progress file; a failure to write never fails the job (progress is a courtesy). */
export const progressPublisher = (dataDir: string, tape: string, now: () => Date = () => new Date()): ProgressPublisher => {
  const file = fileOf(dataDir, tape);
  let last = 0;
  const write = (sample: Omit<JobProgress, 'tape' | 'pid' | 'at'>): void => {
    try {
      const temporary = `${file}.${process.pid}.tmp`;
      fs.writeFileSync(temporary, JSON.stringify({ tape, pid: process.pid, ...sample, at: now().toISOString() }));
      fs.renameSync(temporary, file);
    } catch {
      // No `lto serve` made the folder, or a read-only or full data folder: the job goes on without a live view.
    }
  };
  return {
    next: (sample) => {
      const at = Date.now();
      if (at - last < EVERY_MS && sample.done < sample.total) return;
      last = at;
      write(sample);
    },
    end: () => {
      try {
        fs.rmSync(file, { force: true });
      } catch {
        // Gone already.
      }
    },
  };
};

/** Every running job's latest progress (files of processes that are gone are dropped). */
export const readProgress = (dataDir: string): JobProgress[] => {
  const folder = progressFolder(dataDir);
  let names: string[];
  try {
    names = fs.readdirSync(folder).filter((n) => n.endsWith('.json'));
  } catch {
    return [];
  }
  return names.flatMap((n) => {
    try {
      const decoded = JobProgress.decode(JSON.parse(fs.readFileSync(path.join(folder, n), 'utf8')));
      if (decoded._tag === 'Left') return [];
      return isProcessAlive(decoded.right.pid) ? [decoded.right] : [];
    } catch {
      return [];
    }
  });
};
