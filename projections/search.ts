import type { DomainEvent } from '../domain/events';
import type { StoredEvent } from '../domain/envelope';
import { sql, type Projection, type Statement } from './projection';

/** A name lowercased and reversed: `IMG_1.DNG` → `gnd.1_gmi`, so `*.dng` is a range of an index. */
export const reversedLower = (name: string): string => [...name.toLowerCase()].reverse().join('');

const TAPE_OF_JOB = '(SELECT tape FROM jobs WHERE id = ?)';

/**
 * The name index behind `lto search`: one row per distinct name per tape
 * (`search_names`, with how many archived versions carry it), an index on the reversed
 * lowercased name (suffix globs such as `*.dng` are a range scan), and an FTS5 trigram
 * index over the names (`search_names_fts`, kept by a trigger) for substrings and the
 * literal parts of other globs. Names of encrypted tapes are ciphertext tokens: they are
 * not indexed (search decodes those tapes' paths when unlocked).
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
    // On the files projection's table (created before this one): a name's entries.
    'CREATE INDEX IF NOT EXISTS entries_by_leaf ON entries (name)',
  ],
  tables: [
    { name: 'search_names', key: ['id'] },
    { name: 'search_names_fts', key: ['rowid'] },
  ],
  project: (event: DomainEvent, _stored: StoredEvent): readonly Statement[] => {
    if (event.type === 'SegmentsLost') return recount(event.data.job);
    if (event.type === 'TapeForgotten') {
      return [
        sql(`INSERT INTO search_names_fts (search_names_fts, rowid, name) SELECT 'delete', id, name FROM search_names WHERE tape = ?`, event.data.tape),
        sql('DELETE FROM search_names WHERE tape = ?', event.data.tape),
      ];
    }
    if (event.type !== 'FilesArchived') return [];
    const names = event.data.entries.map((e) => {
      const name = e.path.slice(e.path.lastIndexOf('/') + 1);
      return [name, reversedLower(name)];
    });
    return [
      sql(
        `INSERT INTO search_names (tape, name, lrev, versions)
         SELECT ${TAPE_OF_JOB}, value ->> 0, value ->> 1, 1 FROM json_each(?)
         WHERE (SELECT encrypted FROM tapes WHERE id = ${TAPE_OF_JOB}) = 0
         ON CONFLICT (tape, name) DO UPDATE SET versions = versions + 1`,
        event.data.job, JSON.stringify(names), event.data.job,
      ),
    ];
  },
};

/**
 * After entries left the tape (the files projection, applied before, deleted those of lost
 * segments): each name of the tape counts its archived versions again, and a name none is
 * left of leaves the index. Rare (a power loss), so a recount of the tape's names is fine.
 */
const recount = (job: string): Statement[] => [
  sql(
    `UPDATE search_names SET versions = (
       SELECT count(*) FROM entries e JOIN dirs d ON d.id = e.dir_id
       WHERE d.tape = search_names.tape AND e.name = search_names.name AND e.kind <> 'deleted')
     WHERE tape = ${TAPE_OF_JOB}`,
    job,
  ),
  sql(
    `INSERT INTO search_names_fts (search_names_fts, rowid, name)
     SELECT 'delete', id, name FROM search_names WHERE tape = ${TAPE_OF_JOB} AND versions = 0`,
    job,
  ),
  sql(`DELETE FROM search_names WHERE tape = ${TAPE_OF_JOB} AND versions = 0`, job),
];
