import type { TapeContents } from '../ports/tape-contents';
import { rawRows, type PgQueryable } from './pg-sql';

/** Jobs that stay in the catalog that ran them (never on the tape): a tape read back alone has none. */
const LOCAL_JOB_TYPES = "('BROWSE', 'RECOVERY')";

/** What the PostgreSQL catalog knows of one tape: the same lines as projections/sqlite/tape-contents.ts gives. */
export const pgTapeContents = async (db: PgQueryable, tape: string): Promise<TapeContents> => {
  const lines = async (query: string): Promise<string[]> => (await rawRows(db, query, [tape])).map((row) => JSON.stringify(row)).sort();
  return {
    jobs: await lines(
      `SELECT id, type, mode, status, files, bytes_read, bytes_written, warnings, sources FROM jobs WHERE tape = $1 AND type NOT IN ${LOCAL_JOB_TYPES}`,
    ),
    versions: await lines(
      `SELECT d.path, e.name, e.job, e.kind, e.size, e.mtime_ns, e.mode, e.segment, e."offset", e.sha256, e.target
       FROM entries e JOIN dirs d ON d.id = e.dir_id WHERE d.tape = $1`,
    ),
  };
};
