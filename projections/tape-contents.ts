import type Database from 'better-sqlite3';

/** Jobs that stay in the catalog that ran them (never on the tape): a tape read back alone has none. */
const LOCAL_JOB_TYPES = "('BROWSE', 'RECOVERY')";

export interface TapeContents {
  /** One line per job that lives on the tape: id, type, mode, status and totals. */
  readonly jobs: readonly string[];
  /** One line per archived version: path, job, kind, size, time, mode, place on tape and hash. */
  readonly versions: readonly string[];
}

/**
 * What a catalog knows of one tape, as sorted lines independent of the order events
 * reached it: two catalogs that hold the same tape the same way give equal contents
 * (the demo compares its catalog with one recovered from the tape alone).
 */
export const tapeContents = (db: Database.Database, tape: string): TapeContents => {
  const lines = (query: string): string[] =>
    db
      .prepare(query)
      .raw()
      .all(tape)
      .map((row) => JSON.stringify(row))
      .sort();
  return {
    jobs: lines(
      `SELECT id, type, mode, status, files, bytes_read, bytes_written, warnings, sources FROM jobs WHERE tape = ? AND type NOT IN ${LOCAL_JOB_TYPES}`,
    ),
    versions: lines(
      `SELECT d.path, e.name, e.job, e.kind, e.size, e.mtime_ns, e.mode, e.segment, e.offset, e.sha256, e.target
       FROM entries e JOIN dirs d ON d.id = e.dir_id WHERE d.tape = ?`,
    ),
  };
};

/** Lines only one side has (at most `limit`), for a message. */
export const contentDifferences = (a: TapeContents, b: TapeContents, limit = 5): string[] => {
  const only = (x: readonly string[], y: readonly string[]) => {
    const other = new Set(y);
    return x.filter((line) => !other.has(line));
  };
  return [...only(a.jobs, b.jobs), ...only(b.jobs, a.jobs), ...only(a.versions, b.versions), ...only(b.versions, a.versions)].slice(0, limit);
};
