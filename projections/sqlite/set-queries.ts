import type Database from 'better-sqlite3';
import * as t from 'io-ts';
import { describeErrors } from '../../domain/events';
import { DEFAULT_LOCATION } from '../../domain/set/set-name';
import type { SetMemberView, SetQueries, SetView } from '../ports/set-queries';

const SetRow = t.type({ name: t.string, copies: t.number, description: t.string, created_at: t.string });
const MemberRow = t.type({ tape: t.string, set_name: t.string, joined_at: t.string, location: t.string });

const decode = <C extends t.Mixed>(codec: C, row: unknown, table: string): t.TypeOf<C> => {
  const decoded = codec.decode(row);
  if (decoded._tag === 'Left') throw new Error(`catalog table ${table}: ${describeErrors(decoded.left).join('; ')}`);
  return decoded.right;
};

const MEMBERS = `SELECT st.tape, st.set_name, st.joined_at, coalesce(l.location, '${DEFAULT_LOCATION}') AS location
  FROM set_tapes st JOIN tapes t ON t.id = st.tape LEFT JOIN tape_locations l ON l.tape = st.tape`;

/** The read side of tape sets and tape locations. */
export class SqliteSetQueries implements SetQueries {
  constructor(private readonly db: Database.Database) {}

  async sets(): Promise<SetView[]> {
    return this.db
      .prepare('SELECT name, copies, description, created_at FROM tape_sets ORDER BY name')
      .all()
      .map((row) => toView(decode(SetRow, row, 'tape_sets')));
  }

  async set(name: string): Promise<SetView | undefined> {
    const row: unknown = this.db.prepare('SELECT name, copies, description, created_at FROM tape_sets WHERE name = ?').get(name);
    return row === undefined ? undefined : toView(decode(SetRow, row, 'tape_sets'));
  }

  /** A set's tapes (registered here), in the order they joined it. */
  async tapesOf(set: string): Promise<SetMemberView[]> {
    return this.db
      .prepare(`${MEMBERS} WHERE st.set_name = ? ORDER BY st.position`)
      .all(set)
      .map((row) => toMember(decode(MemberRow, row, 'set_tapes')));
  }

  /** Every registered tape that is in a set, by tape. */
  async members(): Promise<ReadonlyMap<string, SetMemberView>> {
    const rows = this.db.prepare(`${MEMBERS} ORDER BY st.set_name, st.position`).all();
    return new Map(rows.map((row) => toMember(decode(MemberRow, row, 'set_tapes'))).map((m) => [m.tape, m]));
  }

  /** Whether a backup went on from this tape to another because it was full (a span part ended on it with a next part). */
  async continuedFrom(tape: string): Promise<boolean> {
    const row: unknown = this.db
      .prepare('SELECT 1 FROM span_parts a JOIN span_parts b ON b.span = a.span AND b.part = a.part + 1 WHERE a.tape = ? LIMIT 1')
      .get(tape);
    return row !== undefined;
  }

  /** Where a tape is now. */
  async location(tape: string): Promise<string> {
    const value: unknown = this.db.prepare('SELECT location FROM tape_locations WHERE tape = ?').pluck().get(tape);
    return typeof value === 'string' ? value : DEFAULT_LOCATION;
  }

  /** Every moved tape's location (a tape absent is in the library). */
  async locations(): Promise<ReadonlyMap<string, string>> {
    const rows = this.db.prepare('SELECT tape, location FROM tape_locations').all();
    return new Map(rows.map((row) => decode(t.type({ tape: t.string, location: t.string }), row, 'tape_locations')).map((r) => [r.tape, r.location]));
  }
}

const toView = (r: t.TypeOf<typeof SetRow>): SetView => ({ name: r.name, copies: r.copies, description: r.description, createdAt: r.created_at });
const toMember = (r: t.TypeOf<typeof MemberRow>): SetMemberView => ({ tape: r.tape, set: r.set_name, joinedAt: r.joined_at, location: r.location });
