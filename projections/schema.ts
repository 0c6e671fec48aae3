import { createHash } from 'node:crypto';
import type Database from 'better-sqlite3';
import type { Projection } from './projection';

/**
 * Every table of the catalog database but the event store's own (infrastructure/event-store
 * keeps those), created here and nowhere else. Three kinds:
 *
 * - projection tables: declared by the projection that owns them (`Projection.schema`) and
 *   gathered here; never migrated: when their declared shape changes (the fingerprint), they
 *   are dropped and built again from the events, which are the truth;
 * - local bookkeeping (mount memory, journal cursors, LTFS contact memos): not events, so
 *   kept across versions by append-only migrations, one row in `schema_migrations`;
 * - the TEMP working tables of one job (a backup's scan, a restore's selection).
 */

/** The runner's own tables: how far each projection got, and the shape its tables were built with. */
const RUNNER_TABLES = [
  'CREATE TABLE IF NOT EXISTS projection_checkpoints (name TEXT PRIMARY KEY, position INTEGER NOT NULL)',
  'CREATE TABLE IF NOT EXISTS projection_schema (id INTEGER PRIMARY KEY CHECK (id = 1), fingerprint TEXT NOT NULL)',
];

/**
 * Local bookkeeping, one entry per schema version; a migration only ever appends one.
 * Statements are idempotent (IF NOT EXISTS): catalogs from before these migrations already
 * hold the tables, created then by the classes that used them.
 */
const LOCAL_MIGRATIONS: readonly string[] = [
  `CREATE TABLE IF NOT EXISTS tape_mounts (tape TEXT PRIMARY KEY, path TEXT NOT NULL, seen_at TEXT NOT NULL);
   CREATE TABLE IF NOT EXISTS journal_cursors (
     tape TEXT NOT NULL, volume_uuid TEXT NOT NULL, byte_offset INTEGER NOT NULL, line INTEGER NOT NULL,
     seq INTEGER NOT NULL, hash TEXT NOT NULL, head_length INTEGER NOT NULL, PRIMARY KEY (tape, volume_uuid));
   CREATE TABLE IF NOT EXISTS ltfs_contact_memos (
     ltfs_volume_uuid TEXT PRIMARY KEY, index_generation INTEGER NOT NULL, index_time TEXT NOT NULL,
     label_json TEXT NOT NULL, label_hash TEXT NOT NULL, label_stamp TEXT NOT NULL, journal_stamp TEXT NOT NULL,
     head_seq INTEGER NOT NULL, head_hash TEXT NOT NULL);`,
];

/** Our row in `schema_migrations` (the event store keeps its own: components migrate apart). */
export const LOCAL_TABLES_COMPONENT = 'catalog-local';

/**
 * Brings the local bookkeeping tables to this version's shape. A database whose row is
 * newer was last opened by a newer program: its tables are a superset it migrated, left
 * as they are (this version reads only the columns it knows).
 */
export const migrateLocalTables = (db: Database.Database): void => {
  db.transaction(() => {
    db.exec('CREATE TABLE IF NOT EXISTS schema_migrations (component TEXT PRIMARY KEY, version INTEGER NOT NULL)');
    const found: unknown = db.prepare('SELECT version FROM schema_migrations WHERE component = ?').pluck().get(LOCAL_TABLES_COMPONENT);
    const from = typeof found === 'number' && Number.isSafeInteger(found) && found >= 0 ? found : 0;
    if (from >= LOCAL_MIGRATIONS.length) return;
    for (const ddl of LOCAL_MIGRATIONS.slice(from)) db.exec(ddl);
    db.prepare(
      `INSERT INTO schema_migrations (component, version) VALUES (?, ?)
       ON CONFLICT (component) DO UPDATE SET version = excluded.version`,
    ).run(LOCAL_TABLES_COMPONENT, LOCAL_MIGRATIONS.length);
  }).immediate();
};

export const createRunnerTables = (db: Database.Database): void => {
  for (const ddl of RUNNER_TABLES) db.exec(ddl);
};

/** The declared shape of every projection's tables: a change means they are built again from the events. */
export const projectionFingerprint = (projections: readonly Projection[]): string =>
  createHash('sha256').update(JSON.stringify(projections.map((p) => [p.name, p.schema]))).digest('hex');

/** Creates the projections' tables (or some of their DDL: a rebuild makes plain indexes after the replay). */
export const createProjectionTables = (db: Database.Database, projections: readonly Projection[], which: (ddl: string) => boolean = () => true): void => {
  createRunnerTables(db);
  for (const p of projections) for (const ddl of p.schema) if (which(ddl)) db.exec(ddl);
};

/** Drops every table the projections own (their checkpoints go with them: they are replayed from the start). */
export const dropProjectionTables = (db: Database.Database, projections: readonly Projection[]): void => {
  for (const p of projections) for (const table of p.tables) db.exec(`DROP TABLE IF EXISTS ${table.name}`);
  db.exec('DELETE FROM projection_checkpoints');
};

/** Plain secondary indexes: a unique one is a constraint statements rely on (ON CONFLICT), so it stays. */
export const isPlainIndex = (ddl: string): boolean => /^\s*CREATE\s+INDEX/i.test(ddl);

export const indexName = (ddl: string): string | undefined => /INDEX\s+(?:IF\s+NOT\s+EXISTS\s+)?([A-Za-z_][A-Za-z0-9_]*)/i.exec(ddl)?.[1];

/**
 * A backup's scan (TEMP: this connection's, gone when it closes), emptied for a new one:
 * the scanned entries, the warnings, and the catalogued paths the scan no longer saw.
 */
export const createScanTables = (db: Database.Database): void => {
  db.exec(`CREATE TEMP TABLE IF NOT EXISTS scan (
    seq INTEGER PRIMARY KEY, path TEXT NOT NULL UNIQUE, kind TEXT NOT NULL, size INTEGER NOT NULL,
    mtime_ns TEXT NOT NULL, ctime_ns TEXT NOT NULL, inode TEXT NOT NULL, mode INTEGER NOT NULL, uid INTEGER NOT NULL, gid INTEGER NOT NULL, target TEXT,
    change TEXT NOT NULL, links INTEGER, blocks INTEGER)`);
  db.exec('CREATE TEMP TABLE IF NOT EXISTS scan_warnings (id INTEGER PRIMARY KEY, path TEXT NOT NULL, reason TEXT NOT NULL)');
  db.exec('CREATE TEMP TABLE IF NOT EXISTS gone (path TEXT PRIMARY KEY)');
  db.exec('DELETE FROM scan; DELETE FROM scan_warnings; DELETE FROM gone;');
};

/** A restore's selection (TEMP), made anew for each restore. */
export const createRestoreSet = (db: Database.Database): void => {
  db.exec('DROP TABLE IF EXISTS temp.restore_set');
  db.exec(`CREATE TEMP TABLE restore_set (
    seq INTEGER PRIMARY KEY, path TEXT NOT NULL, kind TEXT NOT NULL, size INTEGER NOT NULL, mtime_ns TEXT NOT NULL,
    mode INTEGER NOT NULL, job TEXT NOT NULL, segment INTEGER, offset INTEGER, sha256 TEXT, target TEXT,
    file_offset INTEGER, file_size INTEGER, pass INTEGER NOT NULL, plain TEXT, uid INTEGER, gid INTEGER, meta TEXT)`);
};

/** Made once a restore's selection is filled (one sort), not kept up row by row while filling. */
export const indexRestoreSet = (db: Database.Database): void => {
  db.exec('CREATE INDEX IF NOT EXISTS temp.restore_set_by_kind_path ON restore_set (pass, kind, path)');
};
