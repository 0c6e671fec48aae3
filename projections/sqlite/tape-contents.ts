import type Database from 'better-sqlite3';
import type { TapeContents } from '../ports/tape-contents';

/** Jobs that stay in the catalog that ran them (never on the tape): a tape read back alone has none. */
const LOCAL_JOB_TYPES = "('BROWSE', 'RECOVERY')";

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
