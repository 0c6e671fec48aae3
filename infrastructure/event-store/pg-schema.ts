import type { PoolClient } from 'pg';
import { NewerSchemaError } from './sqlite-schema';

/**
 * The PostgreSQL event store's tables, one entry per schema version; a migration only
 * ever appends an entry. Same tables as SQLite's (docs/ARCHITECTURE.md), with BIGINT
 * positions and seqs. `data` and `meta` stay JSON text, byte for byte what was appended:
 * events are opaque here, the projections build what is queried.
 */
/** The optimistic concurrency check's last line (PgEventStore.append maps its violation). */
export const STREAM_VERSION_CONSTRAINT = 'events_stream_version';

const MIGRATIONS: readonly string[] = [
  `CREATE TABLE IF NOT EXISTS events (
     position    BIGINT PRIMARY KEY,
     id          TEXT NOT NULL UNIQUE,
     stream      TEXT NOT NULL,
     version     INTEGER NOT NULL,
     type        TEXT NOT NULL,
     schema      INTEGER NOT NULL,
     at          TEXT NOT NULL,
     data        TEXT NOT NULL,
     meta        TEXT,
     recorded_at TIMESTAMPTZ NOT NULL,
     CONSTRAINT ${STREAM_VERSION_CONSTRAINT} UNIQUE (stream, version)
   );
   CREATE TABLE IF NOT EXISTS tape_events (
     tape     TEXT NOT NULL,
     position BIGINT NOT NULL REFERENCES events (position),
     seq      BIGINT,
     state    TEXT NOT NULL CHECK (state IN ('written', 'pending', 'local')),
     PRIMARY KEY (tape, position),
     CHECK ((state = 'written') = (seq IS NOT NULL))
   );
   CREATE UNIQUE INDEX IF NOT EXISTS tape_events_by_seq ON tape_events (tape, seq) WHERE seq IS NOT NULL;`,
];

/** The schema version this program writes. */
export const PG_EVENT_STORE_SCHEMA_VERSION = MIGRATIONS.length;

/**
 * Our row in `schema_migrations` (one row per component, as in SQLite: the catalog adds its
 * own, and creates the table with the same columns, whichever comes first).
 */
const COMPONENT = 'event-store';

/**
 * Advisory lock keys (two int4: 'LTOA' and a number). Transaction-level, so a crashed
 * holder's lock goes with its connection.
 * - APPEND: held by every write of the event store until it commits (the global order).
 * - MIGRATE: held while migrating, so two hosts starting at once migrate one after the other.
 */
export const LOCK_CLASS = 0x4c544f41;
export const APPEND_LOCK = 1;
export const MIGRATE_LOCK = 2;

/**
 * Brings the tables to the current version in one transaction under the migration lock:
 * the second of two hosts starting at once waits, then finds the work done. A database
 * newer than this program is refused (NewerSchemaError) and left untouched.
 */
export const migratePgEventStore = async (client: PoolClient): Promise<void> => {
  await client.query('BEGIN');
  try {
    await client.query('SELECT pg_advisory_xact_lock($1, $2)', [LOCK_CLASS, MIGRATE_LOCK]);
    await client.query('CREATE TABLE IF NOT EXISTS schema_migrations (component TEXT PRIMARY KEY, version BIGINT NOT NULL)');
    const found = await storedVersion(client);
    if (found > MIGRATIONS.length) throw new NewerSchemaError(found, MIGRATIONS.length);
    for (const sql of MIGRATIONS.slice(found)) await client.query(sql);
    if (found < MIGRATIONS.length) {
      await client.query(
        `INSERT INTO schema_migrations (component, version) VALUES ($1, $2)
         ON CONFLICT (component) DO UPDATE SET version = EXCLUDED.version`,
        [COMPONENT, MIGRATIONS.length],
      );
    }
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK');
    throw error;
  }
};

const storedVersion = async (client: PoolClient): Promise<number> => {
  const { rows } = await client.query({ text: 'SELECT version FROM schema_migrations WHERE component = $1', values: [COMPONENT], rowMode: 'array' });
  const row: unknown = rows[0];
  const version: unknown = Array.isArray(row) ? row[0] : undefined;
  if (version === undefined) return 0;
  if (typeof version !== 'number' || !Number.isSafeInteger(version)) {
    throw new Error(`schema_migrations holds ${JSON.stringify(version)} for ${COMPONENT}`);
  }
  return version;
};
