import * as t from 'io-ts';
import { DEFAULT_LOCATION } from '../../domain/set/set-name';
import type { SetMemberView, SetView } from '../ports/set-queries';
import { rawRows, rows, type PgQueryable } from './pg-sql';
import { decodeRow } from './tape-queries';

const SetRow = t.type({ name: t.string, copies: t.number, description: t.string, created_at: t.string });
const MemberRow = t.type({ tape: t.string, set_name: t.string, joined_at: t.string, location: t.string });
const LocationRow = t.type({ tape: t.string, location: t.string });

const MEMBERS = `SELECT st.tape, st.set_name, st.joined_at, coalesce(l.location, '${DEFAULT_LOCATION}') AS location
  FROM set_tapes st JOIN tapes t ON t.id = st.tape LEFT JOIN tape_locations l ON l.tape = st.tape`;

const toView = (r: t.TypeOf<typeof SetRow>): SetView => ({ name: r.name, copies: r.copies, description: r.description, createdAt: r.created_at });
const toMember = (r: t.TypeOf<typeof MemberRow>): SetMemberView => ({ tape: r.tape, set: r.set_name, joinedAt: r.joined_at, location: r.location });

/** Tape sets and tape locations as the PostgreSQL catalog holds them (SetQueries, async). */
export class PgSetQueries {
  constructor(private readonly db: PgQueryable) {}

  async sets(): Promise<SetView[]> {
    return (await rows(this.db, 'SELECT name, copies, description, created_at FROM tape_sets ORDER BY name')).map((row) => toView(decodeRow(SetRow, row, 'tape_sets')));
  }

  async set(name: string): Promise<SetView | undefined> {
    const [row] = await rows(this.db, 'SELECT name, copies, description, created_at FROM tape_sets WHERE name = $1', [name]);
    return row === undefined ? undefined : toView(decodeRow(SetRow, row, 'tape_sets'));
  }

  async tapesOf(set: string): Promise<SetMemberView[]> {
    return (await rows(this.db, `${MEMBERS} WHERE st.set_name = $1 ORDER BY st.position`, [set])).map((row) => toMember(decodeRow(MemberRow, row, 'set_tapes')));
  }

  async members(): Promise<ReadonlyMap<string, SetMemberView>> {
    const found = await rows(this.db, `${MEMBERS} ORDER BY st.set_name, st.position`);
    return new Map(found.map((row) => toMember(decodeRow(MemberRow, row, 'set_tapes'))).map((m) => [m.tape, m]));
  }

  async continuedFrom(tape: string): Promise<boolean> {
    const found = await rawRows(this.db, 'SELECT 1 FROM span_parts a JOIN span_parts b ON b.span = a.span AND b.part = a.part + 1 WHERE a.tape = $1 LIMIT 1', [tape]);
    return found.length > 0;
  }

  async location(tape: string): Promise<string> {
    const value = (await rawRows(this.db, 'SELECT location FROM tape_locations WHERE tape = $1', [tape]))[0]?.[0];
    return typeof value === 'string' ? value : DEFAULT_LOCATION;
  }

  async locations(): Promise<ReadonlyMap<string, string>> {
    const found = await rows(this.db, 'SELECT tape, location FROM tape_locations');
    return new Map(found.map((row) => decodeRow(LocationRow, row, 'tape_locations')).map((r) => [r.tape, r.location]));
  }
}
