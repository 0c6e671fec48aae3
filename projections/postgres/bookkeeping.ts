import * as E from 'fp-ts/Either';
import * as t from 'io-ts';
import type { Pool } from 'pg';
import { VolumeLabel } from '../../domain/volume-label';
import type { JournalCursor } from '../../infrastructure/journal';
import type { ContactMemo } from '../ports/contact-memos';
import { inPgTransaction, rawRows, rows, type PgQueryable } from './pg-sql';

/**
 * The bookkeeping a shared catalog keeps beside its projections (not events, so migrated,
 * never rebuilt): how far each tape's journal was read into the shared store, and what each
 * LTFS cartridge looked like at its last contact. Both describe the shared store, so every
 * host sharing it reads them. (Where a tape was last mounted is a path on one host: that
 * stays in the host's own SQLite, projections/sqlite/mount-memory.ts.)
 * One entry per schema version, append only, as projections/schema.ts's LOCAL_MIGRATIONS.
 */
const MIGRATIONS: readonly string[] = [
  `CREATE TABLE IF NOT EXISTS journal_cursors (
     tape TEXT NOT NULL, volume_uuid TEXT NOT NULL, byte_offset BIGINT NOT NULL, line BIGINT NOT NULL,
     seq BIGINT NOT NULL, hash TEXT NOT NULL, head_length BIGINT NOT NULL, PRIMARY KEY (tape, volume_uuid));
   CREATE TABLE IF NOT EXISTS ltfs_contact_memos (
     ltfs_volume_uuid TEXT PRIMARY KEY, index_generation BIGINT NOT NULL, index_time TEXT NOT NULL,
     label_json TEXT NOT NULL, label_hash TEXT NOT NULL, label_stamp TEXT NOT NULL, journal_stamp TEXT NOT NULL,
     head_seq BIGINT NOT NULL, head_hash TEXT NOT NULL);`,
];

const COMPONENT = 'catalog-shared';
const MIGRATION_LOCK = 0x6c746f32;

/** Brings the shared bookkeeping tables to this version's shape (a newer program's row is left as it is). */
export const migrateSharedTables = (pool: Pool): Promise<void> =>
  inPgTransaction(pool, async (client) => {
    await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
    await client.query('CREATE TABLE IF NOT EXISTS schema_migrations (component TEXT PRIMARY KEY, version BIGINT NOT NULL)');
    const found = (await rawRows(client, 'SELECT version FROM schema_migrations WHERE component = $1', [COMPONENT]))[0]?.[0];
    const from = typeof found === 'number' && found >= 0 ? found : 0;
    if (from >= MIGRATIONS.length) return;
    for (const ddl of MIGRATIONS.slice(from)) await client.query(ddl);
    await client.query(
      'INSERT INTO schema_migrations (component, version) VALUES ($1, $2) ON CONFLICT (component) DO UPDATE SET version = excluded.version',
      [COMPONENT, MIGRATIONS.length],
    );
  });

const CursorRow = t.type({ byte_offset: t.number, line: t.number, seq: t.number, hash: t.string, head_length: t.number });

/** Journal cursors in the shared catalog (JournalCursors, async). */
export class PgJournalCursors {
  constructor(private readonly db: PgQueryable) {}

  async get(tape: string, volumeUuid: string): Promise<JournalCursor | undefined> {
    const [row] = await rows(this.db, 'SELECT byte_offset, line, seq, hash, head_length FROM journal_cursors WHERE tape = $1 AND volume_uuid = $2', [tape, volumeUuid]);
    const decoded = CursorRow.decode(row);
    if (decoded._tag === 'Left') return undefined;
    const r = decoded.right;
    return { byteOffset: r.byte_offset, line: r.line, head: { seq: r.seq, hash: r.hash }, headLength: r.head_length };
  }

  async save(tape: string, volumeUuid: string, cursor: JournalCursor | undefined): Promise<void> {
    if (cursor === undefined) {
      await rows(this.db, 'DELETE FROM journal_cursors WHERE tape = $1 AND volume_uuid = $2', [tape, volumeUuid]);
      return;
    }
    await rows(
      this.db,
      `INSERT INTO journal_cursors (tape, volume_uuid, byte_offset, line, seq, hash, head_length) VALUES ($1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT (tape, volume_uuid) DO UPDATE SET byte_offset = excluded.byte_offset, line = excluded.line,
         seq = excluded.seq, hash = excluded.hash, head_length = excluded.head_length`,
      [tape, volumeUuid, cursor.byteOffset, cursor.line, cursor.head.seq, cursor.head.hash, cursor.headLength],
    );
  }
}

const MemoRow = t.type({
  ltfs_volume_uuid: t.string,
  index_generation: t.number,
  index_time: t.string,
  label_json: t.string,
  label_hash: t.string,
  label_stamp: t.string,
  journal_stamp: t.string,
  head_seq: t.number,
  head_hash: t.string,
});

const parseLabel = (json: string): VolumeLabel | undefined => {
  try {
    const decoded = VolumeLabel.decode(JSON.parse(json));
    return E.isRight(decoded) ? decoded.right : undefined;
  } catch {
    return undefined;
  }
};

/** LTFS contact memos in the shared catalog (ContactMemos, async). */
export class PgContactMemos {
  constructor(private readonly db: PgQueryable) {}

  async get(ltfsVolumeUuid: string): Promise<ContactMemo | undefined> {
    const [row] = await rows(this.db, 'SELECT * FROM ltfs_contact_memos WHERE ltfs_volume_uuid = $1', [ltfsVolumeUuid]);
    const decoded = MemoRow.decode(row);
    if (E.isLeft(decoded)) return undefined;
    const r = decoded.right;
    const label = parseLabel(r.label_json);
    if (label === undefined) return undefined;
    return {
      ltfsVolumeUuid: r.ltfs_volume_uuid,
      indexGeneration: r.index_generation,
      indexTime: r.index_time,
      label,
      labelHash: r.label_hash,
      labelStamp: r.label_stamp,
      journalStamp: r.journal_stamp,
      head: { seq: r.head_seq, hash: r.head_hash },
    };
  }

  async save(m: ContactMemo): Promise<void> {
    await rows(
      this.db,
      `INSERT INTO ltfs_contact_memos (ltfs_volume_uuid, index_generation, index_time, label_json, label_hash, label_stamp, journal_stamp, head_seq, head_hash)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
       ON CONFLICT (ltfs_volume_uuid) DO UPDATE SET index_generation = excluded.index_generation, index_time = excluded.index_time,
         label_json = excluded.label_json, label_hash = excluded.label_hash, label_stamp = excluded.label_stamp,
         journal_stamp = excluded.journal_stamp, head_seq = excluded.head_seq, head_hash = excluded.head_hash`,
      [m.ltfsVolumeUuid, m.indexGeneration, m.indexTime, JSON.stringify(m.label), m.labelHash, m.labelStamp, m.journalStamp, m.head.seq, m.head.hash],
    );
  }

  async forget(ltfsVolumeUuid: string): Promise<void> {
    await rows(this.db, 'DELETE FROM ltfs_contact_memos WHERE ltfs_volume_uuid = $1', [ltfsVolumeUuid]);
  }
}
