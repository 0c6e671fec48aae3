import type Database from 'better-sqlite3';
import * as t from 'io-ts';
import type { MountMemory } from '../ports/mount-memory';

/**
 * Where each tape was last found mounted on this machine: a convenience for the next
 * command (tried before the drive and the default folder), not catalog data: it is
 * never an event and a rebuild does not touch it.
 */
/** The mount memory in the SQLite catalog (table tape_mounts, made by projections/schema.ts). */
export class SqliteMountMemory implements MountMemory {
  private readonly select: Database.Statement;
  private readonly upsert: Database.Statement;

  constructor(db: Database.Database) {
    this.select = db.prepare('SELECT path FROM tape_mounts WHERE tape = ?').pluck();
    this.upsert = db.prepare(
      `INSERT INTO tape_mounts (tape, path, seen_at) VALUES (?, ?, ?)
       ON CONFLICT(tape) DO UPDATE SET path = excluded.path, seen_at = excluded.seen_at`,
    );
  }

  async lastSeen(tape: string): Promise<string | undefined> {
    const path: unknown = this.select.get(tape);
    return t.string.is(path) ? path : undefined;
  }

  async remember(tape: string, path: string, at: string): Promise<void> {
    this.upsert.run(tape, path, at);
  }
}
