import type { DomainEvent } from '../domain/events';
import type { StoredEvent } from '../domain/envelope';
import { sql, type Projection, type Statement } from './projection';

/** `tape_locations`: where each moved tape is now (a tape never moved has no row: it is in the library). */
export const locationsProjection: Projection = {
  name: 'locations',
  schema: [
    `CREATE TABLE IF NOT EXISTS tape_locations (
       tape TEXT PRIMARY KEY,
       location TEXT NOT NULL,
       moved_at TEXT NOT NULL
     )`,
  ],
  tables: [{ name: 'tape_locations', key: ['tape'] }],
  project: (event: DomainEvent, stored: StoredEvent): readonly Statement[] => {
    switch (event.type) {
      case 'TapeMoved':
        return [
          sql(
            `INSERT INTO tape_locations (tape, location, moved_at) VALUES (?, ?, ?)
             ON CONFLICT(tape) DO UPDATE SET location = excluded.location, moved_at = excluded.moved_at`,
            event.data.tape, event.data.location, stored.at,
          ),
        ];
      case 'TapeForgotten':
        return [sql('DELETE FROM tape_locations WHERE tape = ?', event.data.tape)];
      default:
        return [];
    }
  },
};
