import type Database from 'better-sqlite3';

/**
 * The event store's tables. Each entry is one schema version; a migration only ever
 * appends an entry. Statements are idempotent (IF NOT EXISTS) so a lost version row
 * cannot break a database that already has the tables.
 */
const MIGRATIONS: readonly string[] = [
  `CREATE TABLE IF NOT EXISTS events (
     position    INTEGER PRIMARY KEY AUTOINCREMENT,
     id          TEXT NOT NULL UNIQUE,
     stream      TEXT NOT NULL,
     version     INTEGER NOT NULL,
     type        TEXT NOT NULL,
     schema      INTEGER NOT NULL,
     at          TEXT NOT NULL,
     data        TEXT NOT NULL,
     meta        TEXT,
     recorded_at TEXT NOT NULL,
     UNIQUE (stream, version)
   );
   CREATE TABLE IF NOT EXISTS tape_events (
     tape     TEXT NOT NULL,
     position INTEGER NOT NULL REFERENCES events (position),
     seq      INTEGER,
     state    TEXT NOT NULL CHECK (state IN ('written', 'pending', 'local')),
     PRIMARY KEY (tape, position),
     CHECK ((state = 'written') = (seq IS NOT NULL))
   );
   CREATE UNIQUE INDEX IF NOT EXISTS tape_events_by_seq ON tape_events (tape, seq) WHERE seq IS NOT NULL;`,
];

/** The schema version this program writes. */
export const EVENT_STORE_SCHEMA_VERSION = MIGRATIONS.length;

/**
 * Our row in `schema_migrations`. Not `PRAGMA user_version`: that is one number for the
 * whole file, and the catalog projections share the file; each component keeps its own
 * row (the catalog may add one).
 */
export const EVENT_STORE_COMPONENT = 'event-store';

/** The database was written by a newer program: refusing beats guessing at its tables. */
export class NewerSchemaError extends Error {
  override readonly name = 'NewerSchemaError';
  constructor(
    readonly found: number,
    readonly known: number,
  ) {
    super(`the event store schema is version ${found}; this program knows up to ${known}`);
  }
}

/** Brings the event store's tables to the current version. Idempotent; one IMMEDIATE transaction. */
export const migrateEventStore = (db: Database.Database): void => {
  db.transaction(() => {
    db.exec('CREATE TABLE IF NOT EXISTS schema_migrations (component TEXT PRIMARY KEY, version INTEGER NOT NULL)');
    const found = storedSchemaVersion(db);
    if (found > MIGRATIONS.length) throw new NewerSchemaError(found, MIGRATIONS.length);
    if (found === MIGRATIONS.length) return;
    for (const sql of MIGRATIONS.slice(found)) db.exec(sql);
    db.prepare(
      `INSERT INTO schema_migrations (component, version) VALUES (?, ?)
       ON CONFLICT (component) DO UPDATE SET version = excluded.version`,
    ).run(EVENT_STORE_COMPONENT, MIGRATIONS.length);
  }).immediate();
};

export const storedSchemaVersion = (db: Database.Database): number => {
  const version: unknown = db
    .prepare('SELECT version FROM schema_migrations WHERE component = ?')
    .pluck()
    .get(EVENT_STORE_COMPONENT);
  if (version === undefined) return 0;
  if (typeof version !== 'number' || !Number.isSafeInteger(version)) {
    throw new Error(`schema_migrations holds ${JSON.stringify(version)} for ${EVENT_STORE_COMPONENT}`);
  }
  return version;
};

/**
 * Durability of the connection. WAL lets readers (a `catalog` command) run beside a
 * writer. synchronous=FULL, not NORMAL: in WAL mode NORMAL may lose the last commits
 * on power loss. Events already on tape would come back at the next contact (the
 * journal is fsynced first), but pending and local events, label streams and jobs
 * whose tape write failed exist only here: this store is their only copy. FULL costs
 * one WAL fsync per commit, and commits are per command or per batch, so it is cheap.
 * (An in-memory database ignores both.)
 */
export const configureDurability = (db: Database.Database): void => {
  if (!db.memory) db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
};
