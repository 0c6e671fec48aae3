import type { DomainEvent } from '../domain/events';
import type { StoredEvent } from '../domain/envelope';
import { sql, type Projection, type Statement } from './projection';

/**
 * `tape_sets`: one row per tape set (its copy policy); `set_tapes`: which tape is in which
 * set, in the order they joined (`position`: the store position of the join, which a
 * spanning backup follows to the set's next tape). A join read back from a tape defines
 * its set when the catalog does not know it (a tape recovered alone keeps its policy).
 */
export const setsProjection: Projection = {
  name: 'sets',
  schema: [
    `CREATE TABLE IF NOT EXISTS tape_sets (
       name TEXT PRIMARY KEY,
       copies INTEGER NOT NULL,
       description TEXT NOT NULL,
       created_at TEXT NOT NULL
     )`,
    `CREATE TABLE IF NOT EXISTS set_tapes (
       tape TEXT PRIMARY KEY,
       set_name TEXT NOT NULL,
       joined_at TEXT NOT NULL,
       position INTEGER NOT NULL
     )`,
    'CREATE INDEX IF NOT EXISTS set_tapes_by_set ON set_tapes (set_name, position)',
  ],
  tables: [
    { name: 'tape_sets', key: ['name'] },
    { name: 'set_tapes', key: ['tape'] },
  ],
  project: (event: DomainEvent, stored: StoredEvent): readonly Statement[] => {
    switch (event.type) {
      case 'SetCreated': {
        const d = event.data;
        return [
          sql(
            `INSERT INTO tape_sets (name, copies, description, created_at) VALUES (?, ?, ?, ?)
             ON CONFLICT(name) DO UPDATE SET copies = excluded.copies, description = excluded.description, created_at = excluded.created_at`,
            d.set, d.copies, d.description, stored.at,
          ),
        ];
      }
      case 'TapeJoinedSet': {
        const d = event.data;
        return [
          sql('INSERT INTO tape_sets (name, copies, description, created_at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING', d.set, d.copies, d.description, stored.at),
          sql('INSERT INTO set_tapes (tape, set_name, joined_at, position) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING', d.tape, d.set, stored.at, stored.position),
        ];
      }
      case 'TapeForgotten':
        return [sql('DELETE FROM set_tapes WHERE tape = ?', event.data.tape)];
      default:
        return [];
    }
  },
};
