import * as E from 'fp-ts/Either';
import * as t from 'io-ts';
import pg from 'pg';
import { withPgPass } from '../event-store/pg-event-store';
import type { HeldElsewhere, TapeHolder, TapeHolds } from '../../projections/ports/tape-holds';

/**
 * Advisory lock keys of tape holds: 'LTOT' and a 32-bit hash of the tape id (two int4,
 * a key space apart from the store's 'LTOA' locks). Two tapes of one hash would keep
 * each other out, never let two holders in: the refusal then names no holder.
 */
const HOLD_CLASS = 0x4c544f54;

/** How long a take waits for a hold whose holder just died (its server backend is still ending). */
const DYING_HOLDER_WAIT_MS = 1_000;

const SCHEMA = `CREATE TABLE IF NOT EXISTS tape_holders (
  tape TEXT PRIMARY KEY,
  host TEXT NOT NULL,
  pid INTEGER NOT NULL,
  command TEXT NOT NULL,
  since TEXT NOT NULL,
  backend_pid INTEGER NOT NULL
)`;

const HolderRow = t.type({ host: t.string, pid: t.number, command: t.string, since: t.string });

/**
 * Tape holds in a shared PostgreSQL catalog. Each hold is a session-level advisory lock
 * taken on a connection of its own, kept open for the job: when the holder's process
 * dies, its connection closes and the server drops the lock, so no host is ever left
 * refused by a crashed one. The lock is the hold; the `tape_holders` row only says whose
 * it is, and counts only while its `backend_pid` still holds the lock (a crashed
 * holder's row stays behind until the next holder overwrites it, and is ignored).
 */
export class PgTapeHolds implements TapeHolds {
  private constructor(private readonly connectionString: string) {}

  /** Opens on the shared catalog's URL; its password, if not in the URL or PGPASSWORD, from ~/.pgpass as the store's pool. */
  static async open(url: string): Promise<PgTapeHolds> {
    const connectionString = withPgPass(url);
    await withClient(connectionString, async (client) => {
      await client.query('BEGIN');
      // Two hosts creating the table at once would collide in the system catalog.
      await client.query('SELECT pg_advisory_xact_lock($1, 0)', [HOLD_CLASS]);
      await client.query(SCHEMA);
      await client.query('COMMIT');
    });
    return new PgTapeHolds(connectionString);
  }

  async take(tape: string, me: TapeHolder): Promise<E.Either<HeldElsewhere, () => Promise<void>>> {
    const client = new pg.Client({ connectionString: this.connectionString });
    // A hold's connection lost meanwhile ends the hold; the job's appends report the server's loss.
    client.on('error', () => undefined);
    await client.connect();
    try {
      if (!(await this.lock(client, tape))) {
        const holder = await holderOf(client, tape);
        await client.end();
        return E.left({ holder });
      }
      await client.query(
        `INSERT INTO tape_holders (tape, host, pid, command, since, backend_pid) VALUES ($1, $2, $3, $4, $5, pg_backend_pid())
         ON CONFLICT (tape) DO UPDATE SET host = $2, pid = $3, command = $4, since = $5, backend_pid = pg_backend_pid()`,
        [tape, me.host, me.pid, me.command, me.since],
      );
    } catch (error) {
      await client.end().catch(() => undefined);
      throw error;
    }
    return E.right(() => release(client, tape));
  }

  async close(): Promise<void> {
    // Each hold has its own connection, ended by its release: nothing stays open here.
  }

  /** Waits a moment for the lock: a holder killed just now lets go once its backend sees the connection closed. */
  private async lock(client: pg.Client, tape: string): Promise<boolean> {
    await client.query(`SET lock_timeout = ${DYING_HOLDER_WAIT_MS}`);
    try {
      await client.query('SELECT pg_advisory_lock($1, $2)', [HOLD_CLASS, tapeKey(tape)]);
      return true;
    } catch (error) {
      if (isLockTimeout(error)) return false;
      throw error;
    } finally {
      await client.query('RESET lock_timeout');
    }
  }
}

/** The row of the backend holding the tape's lock now (a stale row of a dead holder is no one). */
const holderOf = async (client: pg.Client, tape: string): Promise<TapeHolder | undefined> => {
  const found = await client.query(
    `SELECT h.host, h.pid, h.command, h.since FROM tape_holders h
      JOIN pg_locks l ON l.locktype = 'advisory' AND l.granted AND l.classid = $2::oid AND l.objid = $3::oid AND l.objsubid = 2 AND l.pid = h.backend_pid
     WHERE h.tape = $1`,
    [tape, HOLD_CLASS, tapeKey(tape) >>> 0],
  );
  const row: unknown = found.rows[0];
  return HolderRow.is(row) ? row : undefined;
};

const release = async (client: pg.Client, tape: string): Promise<void> => {
  try {
    await client.query('DELETE FROM tape_holders WHERE tape = $1 AND backend_pid = pg_backend_pid()', [tape]);
    await client.query('SELECT pg_advisory_unlock($1, $2)', [HOLD_CLASS, tapeKey(tape)]);
  } finally {
    // Ending the connection drops the lock anyway (the unlock above only makes it explicit).
    await client.end().catch(() => undefined);
  }
};

/** FNV-1a of the tape id, as a signed int4 (what pg_advisory_lock(int, int) takes). */
export const tapeKey = (tape: string): number => {
  let hash = 0x811c9dc5;
  for (const byte of Buffer.from(tape, 'utf8')) hash = Math.imul(hash ^ byte, 0x01000193);
  return hash | 0;
};

const isLockTimeout = (error: unknown): boolean => typeof error === 'object' && error !== null && 'code' in error && error.code === '55P03';

const withClient = async (connectionString: string, work: (client: pg.Client) => Promise<void>): Promise<void> => {
  const client = new pg.Client({ connectionString });
  await client.connect();
  try {
    await work(client);
  } finally {
    await client.end();
  }
};
