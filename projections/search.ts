import type { DomainEvent } from '../domain/events';
import type { StoredEvent } from '../domain/envelope';
import { sql, type Projection, type Statement } from './projection';

/** A name lowercased and reversed: `IMG_1.DNG` → `gnd.1_gmi`, so `*.dng` is a range of an index. */
export const reversedLower = (name: string): string => [...name.toLowerCase()].reverse().join('');

// From this projection's own tables (never another projection's): projections catch up apart.
const TAPE_OF_JOB = '(SELECT tape FROM search_jobs WHERE job = ?)';
/** The job's tape, when that tape is known and plain (its names are indexed). */
const INDEXED_JOB = '(SELECT j.tape FROM search_jobs j JOIN search_tapes t ON t.tape = j.tape AND t.encrypted = 0 WHERE j.job = ?)';

/**
 * The name index behind `lto search`: one row per distinct name per tape
 * (`search_names`, with how many archived versions carry it), an index on the reversed
 * lowercased name (suffix globs such as `*.dng` are a range scan), and an FTS5 trigram
 * index over the names (`search_names_fts`, kept by a trigger) for substrings and the
 * literal parts of other globs. Names of encrypted tapes are ciphertext tokens: they are
 * not indexed (search decodes those tapes' paths when unlocked).
 *
 * Built from its own events alone: `search_tapes` (which tapes are plain, from their
 * initialisation), `search_jobs` (each job's tape) and
 * `search_segments` (the names each FilesArchived event put in a segment, so the versions
 * of a lost segment are taken off again).
 */
export const searchProjection: Projection = {
  name: 'search',
  schema: [
    `CREATE TABLE IF NOT EXISTS search_names (
       id INTEGER PRIMARY KEY, tape TEXT NOT NULL, name TEXT NOT NULL, lrev TEXT NOT NULL, versions INTEGER NOT NULL
     )`,
    'CREATE UNIQUE INDEX IF NOT EXISTS search_names_by_tape_name ON search_names (tape, name)',
    'CREATE INDEX IF NOT EXISTS search_names_by_suffix ON search_names (lrev, tape, versions, name)',
    `CREATE VIRTUAL TABLE IF NOT EXISTS search_names_fts USING fts5(
       name, content='search_names', content_rowid='id', tokenize='trigram case_sensitive 0', detail='none'
     )`,
    `CREATE TRIGGER IF NOT EXISTS search_names_indexed AFTER INSERT ON search_names BEGIN
       INSERT INTO search_names_fts (rowid, name) VALUES (new.id, new.name);
     END`,
    // Names holding bytes that are not UTF-8 (NUL escapes, domain/name-bytes.ts): SQLite's LIKE stops at a NUL, so
    // substring searches also take these few, and the caller's exact filter decides.
    'CREATE INDEX IF NOT EXISTS search_names_escaped ON search_names (id) WHERE instr(name, char(0)) > 0',
    'CREATE TABLE IF NOT EXISTS search_tapes (tape TEXT PRIMARY KEY, encrypted INTEGER NOT NULL)',
    'CREATE TABLE IF NOT EXISTS search_jobs (job TEXT PRIMARY KEY, tape TEXT NOT NULL)',
    'CREATE INDEX IF NOT EXISTS search_jobs_by_tape ON search_jobs (tape)',
    'CREATE TABLE IF NOT EXISTS search_segments (id INTEGER PRIMARY KEY, job TEXT NOT NULL, segment INTEGER NOT NULL, names TEXT NOT NULL)',
    'CREATE INDEX IF NOT EXISTS search_segments_by_job ON search_segments (job, segment)',
  ],
  tables: [
    { name: 'search_names', key: ['id'] },
    { name: 'search_names_fts', key: ['rowid'] },
    { name: 'search_tapes', key: ['tape'] },
    { name: 'search_jobs', key: ['job'] },
    { name: 'search_segments', key: ['id'] },
  ],
  project: (event: DomainEvent, _stored: StoredEvent): readonly Statement[] => {
    switch (event.type) {
      case 'TapeInitialised':
        return [sql('INSERT INTO search_tapes (tape, encrypted) VALUES (?, ?)', event.data.tape, event.data.encrypted ? 1 : 0)];
      case 'JobStarted':
        return [sql('INSERT INTO search_jobs (job, tape) VALUES (?, ?)', event.data.job, event.data.tape)];
      case 'FilesArchived':
        return archived(event.data.job, event.data.segment, event.data.entries.map((e) => e.path.slice(e.path.lastIndexOf('/') + 1)));
      case 'SegmentsLost':
        return lost(event.data.job, event.data.segments);
      case 'TapeForgotten':
        return [
          sql(`INSERT INTO search_names_fts (search_names_fts, rowid, name) SELECT 'delete', id, name FROM search_names WHERE tape = ?`, event.data.tape),
          sql('DELETE FROM search_names WHERE tape = ?', event.data.tape),
          sql('DELETE FROM search_segments WHERE job IN (SELECT job FROM search_jobs WHERE tape = ?)', event.data.tape),
          sql('DELETE FROM search_jobs WHERE tape = ?', event.data.tape),
          sql('DELETE FROM search_tapes WHERE tape = ?', event.data.tape),
        ];
      default:
        return [];
    }
  },
};

/** One version more of each name, on a plain tape; the names kept by segment, should it be lost. */
const archived = (job: string, segment: number, leaves: readonly string[]): Statement[] => {
  const names = JSON.stringify(leaves.map((name) => [name, reversedLower(name)]));
  return [
    sql(
      `INSERT INTO search_names (tape, name, lrev, versions)
       SELECT ${INDEXED_JOB}, value ->> 0, value ->> 1, 1 FROM json_each(?)
       WHERE ${INDEXED_JOB} IS NOT NULL
       ON CONFLICT (tape, name) DO UPDATE SET versions = versions + 1`,
      job, names, job,
    ),
    sql(`INSERT INTO search_segments (job, segment, names) SELECT ?, ?, ? WHERE ${INDEXED_JOB} IS NOT NULL`, job, segment, names, job),
  ];
};

/**
 * Segments gone from the tape: each name loses the versions they held, and a name none is
 * left of leaves the index. Rare (a power loss).
 */
const lost = (job: string, segments: readonly number[]): Statement[] => {
  const list = JSON.stringify(segments);
  const inList = 'job = ? AND segment IN (SELECT value FROM json_each(?))';
  return [
    sql(
      `UPDATE search_names SET versions = versions - gone.n
       FROM (SELECT n.value ->> 0 AS name, count(*) AS n FROM search_segments s, json_each(s.names) n WHERE ${inList} GROUP BY 1) AS gone
       WHERE search_names.tape = ${TAPE_OF_JOB} AND search_names.name = gone.name`,
      job, list, job,
    ),
    sql(
      `INSERT INTO search_names_fts (search_names_fts, rowid, name)
       SELECT 'delete', id, name FROM search_names WHERE tape = ${TAPE_OF_JOB} AND versions <= 0`,
      job,
    ),
    sql(`DELETE FROM search_names WHERE tape = ${TAPE_OF_JOB} AND versions <= 0`, job),
    sql(`DELETE FROM search_segments WHERE ${inList}`, job, list),
  ];
};
