import type Database from 'better-sqlite3';
import * as t from 'io-ts';
import type { JournalCursor } from '../../infrastructure/journal';
import type { JournalCursors } from '../ports/journal-cursors';

const Row = t.type({ byte_offset: t.number, line: t.number, seq: t.number, hash: t.string, head_length: t.number });

/**
 * How far each tape's journal has been read into the local store, so a contact reads
 * only what was appended since (a journal of a million files is hundreds of MB). Kept
 * per volume: another cartridge with the same barcode starts from the beginning. Like
 * the mount memory, this is local bookkeeping, not an event; losing it costs one full read.
 */
export class SqliteJournalCursors implements JournalCursors {
  private readonly select: Database.Statement;
  private readonly upsert: Database.Statement;
  private readonly remove: Database.Statement;

  constructor(db: Database.Database) {
    this.select = db.prepare('SELECT byte_offset, line, seq, hash, head_length FROM journal_cursors WHERE tape = ? AND volume_uuid = ?');
    this.upsert = db.prepare(
      `INSERT INTO journal_cursors (tape, volume_uuid, byte_offset, line, seq, hash, head_length) VALUES (?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (tape, volume_uuid) DO UPDATE SET byte_offset = excluded.byte_offset, line = excluded.line,
         seq = excluded.seq, hash = excluded.hash, head_length = excluded.head_length`,
    );
    this.remove = db.prepare('DELETE FROM journal_cursors WHERE tape = ? AND volume_uuid = ?');
  }

  async get(tape: string, volumeUuid: string): Promise<JournalCursor | undefined> {
    const row = Row.decode(this.select.get(tape, volumeUuid));
    if (row._tag === 'Left') return undefined;
    const r = row.right;
    return { byteOffset: r.byte_offset, line: r.line, head: { seq: r.seq, hash: r.hash }, headLength: r.head_length };
  }

  async save(tape: string, volumeUuid: string, cursor: JournalCursor | undefined): Promise<void> {
    if (cursor === undefined) this.remove.run(tape, volumeUuid);
    else this.upsert.run(tape, volumeUuid, cursor.byteOffset, cursor.line, cursor.head.seq, cursor.head.hash, cursor.headLength);
  }
}
