import type { ArchivedEntry, DomainEvent } from '../domain/events';
import type { StoredEvent } from '../domain/envelope';
import { inList, ROWS, rowsStatement, sql, type Projection, type SqlValue, type Statement } from './projection';

/**
 * `/a/b/c` → [`/a/b`, `c`]; `/a` → [`/`, `a`]. Paths are absolute, `/`-separated; one
 * from a hostile tape that is not (`C:\x`, `evil`) keeps `.` as its folder, so it reads
 * back as `./evil` and a restore refuses it (it was once made `/evil`, silently).
 */
export const splitPath = (path: string): [string, string] => {
  const cut = path.lastIndexOf('/');
  if (cut === -1) return ['.', path];
  return cut === 0 ? ['/', path.slice(1)] : [path.slice(0, cut), path.slice(cut + 1)];
};

// From this projection's own `file_jobs` (never the jobs projection's table): projections catch up apart.
const TAPE_OF_JOB = '(SELECT tape FROM file_jobs WHERE job = ?)';
const ORDINAL_OF_JOB = '(SELECT ordinal FROM file_jobs WHERE job = ?)';

const ensureDir = (job: string, dir: string): Statement =>
  sql(`INSERT INTO dirs (tape, path) VALUES (${TAPE_OF_JOB}, ?) ON CONFLICT DO NOTHING`, job, dir);

const DIR_ID = `(SELECT id FROM dirs WHERE tape = ${TAPE_OF_JOB} AND path = ?)`;

/**
 * An event's entries (up to a few thousand): each folder they are in made once, then their
 * rows, many to a statement, each row's folder and the job's tape and ordinal found by a
 * join instead of three subqueries per row (a statement per entry was the largest part of
 * a recovery's time). `n` orders the rows as the event lists them, so they get the ids one
 * INSERT per entry would give them. LEFT JOINs: a job or folder not found leaves NULLs
 * that the NOT NULL columns refuse, as the INSERT per entry did, never a row dropped.
 * Integers are CAST so that PostgreSQL, which reads VALUES placeholders as text, sorts
 * and stores them as numbers.
 */
const archivedAll = (job: string, segment: number, entries: readonly ArchivedEntry[]): Statement[] => {
  const dirs = new Set<string>();
  const values: SqlValue[] = [];
  entries.forEach((e, n) => {
    const [dir, name] = splitPath(e.path);
    dirs.add(dir);
    values.push(
      n, dir, name, e.kind, e.size, e.mtimeNs, e.mode, segment, e.offset ?? null, e.sha256 ?? null,
      e.target ?? null, e.uid ?? null, e.gid ?? null, e.ctimeNs ?? null, e.inode ?? null, metadataColumn(e),
    );
  });
  return [
    rowsStatement(`INSERT INTO dirs (tape, path) VALUES ${ROWS} ON CONFLICT DO NOTHING`, `(${TAPE_OF_JOB}, ?)`, [...dirs].flatMap((dir) => [job, dir])),
    rowsStatement(ENTRY_ROWS, ENTRY_ROW, values, [job]),
  ];
};

const INT = 'CAST(? AS INTEGER)';
const ENTRY_ROW = `(${INT}, ?, ?, ?, ${INT}, ?, ${INT}, ${INT}, ${INT}, ?, ?, ${INT}, ${INT}, ?, ?, ?)`;
const ENTRY_ROWS = `INSERT INTO entries (dir_id, name, job, ordinal, kind, size, mtime_ns, mode, segment, offset, sha256, target, uid, gid, ctime_ns, inode, meta)
  SELECT d.id, v.column3, j.job, j.ordinal, v.column4, v.column5, v.column6, v.column7, v.column8, v.column9, v.column10,
         v.column11, v.column12, v.column13, v.column14, v.column15, v.column16
  FROM (VALUES ${ROWS}) AS v
  LEFT JOIN file_jobs j ON j.job = ?
  LEFT JOIN dirs d ON d.tape = j.tape AND d.path = v.column2
  ORDER BY v.column1`;

/**
 * Owner names, extended attributes and hard link of an entry, as a JSON object
 * (ArchivedMetadata); NULL when it has none. JSON.stringify leaves out the fields that are
 * undefined, so no object is built for the many entries with none.
 */
const metadataColumn = (e: ArchivedEntry): string | null =>
  e.uname === undefined && e.gname === undefined && e.xattrs === undefined && e.link === undefined && e.sparse === undefined
    ? null
    : JSON.stringify({ uname: e.uname, gname: e.gname, xattrs: e.xattrs, link: e.link, sparse: e.sparse });

const deleted = (job: string, path: string): Statement[] => {
  const [dir, name] = splitPath(path);
  return [
    ensureDir(job, dir),
    sql(
      `INSERT INTO entries (dir_id, name, job, ordinal, kind, size, mtime_ns, mode)
       VALUES (${DIR_ID}, ?, ?, ${ORDINAL_OF_JOB}, 'deleted', 0, '0', 0)`,
      job, dir, name, job, job,
    ),
  ];
};

/** Segments gone from the tape: their entries no longer count as on it, nor their bytes as used (the sum of `segments`). */
const lost = (job: string, segments: readonly number[]): Statement[] => {
  const inSegments = `segment IN (${inList(segments)})`;
  return [
    sql(`DELETE FROM segments WHERE job = ? AND ${inSegments}`, job, ...segments),
    sql(`DELETE FROM entries WHERE job = ? AND ${inSegments}`, job, ...segments),
  ];
};

/**
 * The file tree: directories deduplicated per tape (`dirs`), and every version of every
 * entry (`entries`: one row per archived file/dir/symlink per job, plus a `deleted` row
 * when an incremental backup no longer finds it), with where its data lies on tape.
 * `segments` lists the closed segments; their bytes are the space used on the tape (the
 * tape queries sum them). `file_jobs` is which tape each job wrote to and its ordinal
 * (the store position of its start), kept from the jobs' own starts.
 */
export const filesProjection: Projection = {
  name: 'files',
  schema: [
    `CREATE TABLE IF NOT EXISTS file_jobs (job TEXT PRIMARY KEY, tape TEXT NOT NULL, ordinal INTEGER NOT NULL)`,
    'CREATE INDEX IF NOT EXISTS file_jobs_by_tape ON file_jobs (tape)',
    `CREATE TABLE IF NOT EXISTS segments (
       job TEXT NOT NULL, segment INTEGER NOT NULL, tape TEXT NOT NULL, bytes INTEGER NOT NULL,
       sha256 TEXT NOT NULL, entries INTEGER NOT NULL, PRIMARY KEY (job, segment)
     )`,
    'CREATE INDEX IF NOT EXISTS segments_by_tape ON segments (tape, bytes)',
    `CREATE TABLE IF NOT EXISTS dirs (
       id INTEGER PRIMARY KEY, tape TEXT NOT NULL, path TEXT NOT NULL, UNIQUE (tape, path)
     )`,
    `CREATE TABLE IF NOT EXISTS entries (
       id INTEGER PRIMARY KEY,
       dir_id INTEGER NOT NULL,
       name TEXT NOT NULL,
       job TEXT NOT NULL,
       ordinal INTEGER NOT NULL,
       kind TEXT NOT NULL,
       size INTEGER NOT NULL,
       mtime_ns TEXT NOT NULL,
       mode INTEGER NOT NULL,
       segment INTEGER,
       offset INTEGER,
       sha256 TEXT,
       target TEXT,
       uid INTEGER,
       gid INTEGER,
       -- change detection (absent in entries written before it was recorded)
       ctime_ns TEXT,
       inode TEXT,
       -- owner names, extended attributes, hard link (ArchivedMetadata as JSON; NULL: none recorded)
       meta TEXT
     )`,
    'CREATE INDEX IF NOT EXISTS entries_by_name ON entries (dir_id, name, ordinal)',
    'CREATE INDEX IF NOT EXISTS entries_by_job ON entries (job, segment, offset)',
    // A name's entries, on every tape (what `lto search` looks a name up by).
    'CREATE INDEX IF NOT EXISTS entries_by_leaf ON entries (name)',
    `CREATE TABLE IF NOT EXISTS job_warnings (
       id INTEGER PRIMARY KEY, job TEXT NOT NULL, path TEXT NOT NULL, reason TEXT NOT NULL
     )`,
    'CREATE INDEX IF NOT EXISTS job_warnings_by_job ON job_warnings (job)',
  ],
  tables: [
    { name: 'file_jobs', key: ['job'] },
    { name: 'segments', key: ['job', 'segment'] },
    { name: 'dirs', key: ['id'] },
    { name: 'entries', key: ['id'] },
    { name: 'job_warnings', key: ['id'] },
  ],
  project: (event: DomainEvent, stored: StoredEvent): readonly Statement[] => {
    switch (event.type) {
      case 'JobStarted':
        return [sql('INSERT INTO file_jobs (job, tape, ordinal) VALUES (?, ?, ?)', event.data.job, event.data.tape, stored.position)];
      case 'SegmentClosed': {
        const d = event.data;
        return [
          sql(
            `INSERT INTO segments (job, segment, tape, bytes, sha256, entries) VALUES (?, ?, ${TAPE_OF_JOB}, ?, ?, ?)`,
            d.job, d.segment, d.job, d.bytes, d.sha256, d.entries,
          ),
        ];
      }
      case 'FilesArchived':
        return archivedAll(event.data.job, event.data.segment, event.data.entries);
      case 'SegmentsLost':
        return lost(event.data.job, event.data.segments);
      case 'FilesDeleted':
        return event.data.paths.flatMap((p) => deleted(event.data.job, p));
      case 'JobWarned':
        return event.data.warnings.map((w) =>
          sql('INSERT INTO job_warnings (job, path, reason) VALUES (?, ?, ?)', event.data.job, w.path, w.reason),
        );
      case 'TapeForgotten':
        return [
          sql('DELETE FROM job_warnings WHERE job IN (SELECT job FROM file_jobs WHERE tape = ?)', event.data.tape),
          sql('DELETE FROM file_jobs WHERE tape = ?', event.data.tape),
          sql('DELETE FROM segments WHERE tape = ?', event.data.tape),
          sql('DELETE FROM entries WHERE dir_id IN (SELECT id FROM dirs WHERE tape = ?)', event.data.tape),
          sql('DELETE FROM dirs WHERE tape = ?', event.data.tape),
        ];
      default:
        return [];
    }
  },
};
