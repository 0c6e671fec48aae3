import type { DomainEvent } from '../domain/events';
import type { StoredEvent } from '../domain/envelope';
import { bool, sql, type Projection, type Statement } from './projection';

/**
 * `tapes`: one row per registered tape (what `tape list` shows; the space used is the sum of
 * its segments, which the files projection keeps: the tape queries add it);
 * `tape_info`: the facts of its initialisation and its job activity (what `tape show` adds);
 * `key_slots`: an encrypted tape's key slots, whole (an unlock needs nothing else).
 */
export const tapesProjection: Projection = {
  name: 'tapes',
  schema: [
    `CREATE TABLE IF NOT EXISTS tapes (
       id TEXT PRIMARY KEY,
       generation TEXT NOT NULL,
       capacity_bytes INTEGER NOT NULL,
       description TEXT NOT NULL,
       encrypted INTEGER NOT NULL,
       state TEXT NOT NULL
     )`,
    `CREATE TABLE IF NOT EXISTS tape_info (
       tape TEXT PRIMARY KEY,
       format TEXT NOT NULL,
       volume_uuid TEXT NOT NULL,
       initialised_at TEXT NOT NULL,
       initialised_by_job TEXT NOT NULL,
       jobs_total INTEGER NOT NULL DEFAULT 0,
       last_job_id TEXT,
       last_job_at TEXT
     )`,
    `CREATE TABLE IF NOT EXISTS key_slots (
       tape TEXT NOT NULL,
       id TEXT NOT NULL,
       kind TEXT NOT NULL,
       created TEXT NOT NULL,
       fingerprint TEXT,
       slot_json TEXT NOT NULL,
       PRIMARY KEY (tape, id)
     )`,
  ],
  tables: [
    { name: 'tapes', key: ['id'] },
    { name: 'tape_info', key: ['tape'] },
    { name: 'key_slots', key: ['tape', 'id'] },
  ],
  project: (event: DomainEvent, stored: StoredEvent): readonly Statement[] => {
    switch (event.type) {
      case 'TapeInitialised': {
        const d = event.data;
        return [
          sql(
            `INSERT INTO tapes (id, generation, capacity_bytes, description, encrypted, state)
             VALUES (?, ?, ?, ?, ?, 'ACTIVE')`,
            d.tape, d.generation, d.capacityBytes, d.description, bool(d.encrypted),
          ),
          // Its own ADD_TAPE job started just before this event, when there was no row to count it in.
          sql(
            `INSERT INTO tape_info (tape, format, volume_uuid, initialised_at, initialised_by_job, jobs_total, last_job_id, last_job_at)
             VALUES (?, ?, ?, ?, ?, 1, ?, ?)`,
            d.tape, d.format, d.volumeUuid, stored.at, d.job, d.job, stored.at,
          ),
        ];
      }
      case 'TapeDescribed':
        return [sql('UPDATE tapes SET description = ? WHERE id = ?', event.data.description, event.data.tape)];
      // A tape's service: ACTIVE until migrated (MIGRATED) or retired (RETIRED, for good).
      case 'TapeMigrated':
        return [sql("UPDATE tapes SET state = 'MIGRATED' WHERE id = ? AND state <> 'RETIRED'", event.data.tape)];
      case 'TapeRetired':
        return [sql("UPDATE tapes SET state = 'RETIRED' WHERE id = ?", event.data.tape)];
      case 'KeySlotAdded': {
        const { tape, slot } = event.data;
        return [
          sql(
            'INSERT INTO key_slots (tape, id, kind, created, fingerprint, slot_json) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING',
            tape, slot.id, slot.kind, slot.created, slot.kind === 'rsa' ? slot.fingerprint : null, JSON.stringify(slot),
          ),
        ];
      }
      case 'JobStarted':
        // A tape's job activity: what was done with the tape, not local browsing or recovery.
        if (event.data.type === 'BROWSE' || event.data.type === 'RECOVERY') return [];
        return [
          sql(
            'UPDATE tape_info SET jobs_total = jobs_total + 1, last_job_id = ?, last_job_at = ? WHERE tape = ?',
            event.data.job, stored.at, event.data.tape,
          ),
        ];
      case 'TapeForgotten':
        return [
          sql('DELETE FROM tapes WHERE id = ?', event.data.tape),
          sql('DELETE FROM tape_info WHERE tape = ?', event.data.tape),
          sql('DELETE FROM key_slots WHERE tape = ?', event.data.tape),
        ];
      default:
        return [];
    }
  },
};
