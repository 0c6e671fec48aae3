import * as t from 'io-ts';
import type { Pool } from 'pg';
import { describeErrors } from '../../domain/events';
import type { DirRow, HitRow, NameOnTape } from '../ports/search-queries';
import { fromPgRow, PG_TYPES, rawRows, rows, type PgQueryable } from './pg-sql';

const HitColumns = t.type({
  tape: t.string,
  dir: t.string,
  name: t.string,
  kind: t.keyof({ file: null, dir: null, symlink: null }),
  size: t.number,
  mtime_ns: t.string,
  job: t.string,
  backed_up_at: t.string,
});

const toHit = (row: unknown): HitRow => {
  const decoded = HitColumns.decode(row);
  if (decoded._tag === 'Left') throw new Error(`catalog search: ${describeErrors(decoded.left).join('; ')}`);
  const r = decoded.right;
  return { tape: r.tape, dir: r.dir, name: r.name, kind: r.kind, size: r.size, mtimeNs: r.mtime_ns, job: r.job, backedUpAt: r.backed_up_at };
};

/** Raw `[tape, name, versions]` rows of the hot loop (up to a million): checked, not decoded. */
const toNames = (found: readonly unknown[][]): NameOnTape[] => {
  const out: NameOnTape[] = [];
  for (const r of found) {
    if (typeof r[0] === 'string' && typeof r[1] === 'string' && typeof r[2] === 'number') out.push({ tape: r[0], name: r[1], versions: r[2] });
  }
  return out;
};

const isDirRow = (r: unknown): r is DirRow =>
  typeof r === 'object' && r !== null && 'id' in r && typeof r.id === 'number' && 'tape' in r && typeof r.tape === 'string' &&
  'path' in r && typeof r.path === 'string';

const HIT_COLUMNS = `d.tape, d.path AS dir, e.name, e.kind, e.size, e.mtime_ns, e.job, j.started_at AS backed_up_at`;
const HIT_FROM = `entries e JOIN dirs d ON d.id = e.dir_id JOIN jobs j ON j.id = e.job`;
const ORDER = 'ORDER BY d.path, e.name, e.ordinal';

/** Rows fetched per round trip when a result is walked (dirs, allHits): a cursor, not the whole table in memory. */
const PAGE = 5000;

/**
 * The name index and entries of the PostgreSQL catalog, for `lto search` (SearchQueries,
 * async; see search-projection.ts for the indexes).
 */
export class PgSearchQueries {
  constructor(private readonly db: PgQueryable, private readonly pool: Pool) {}

  /**
   * Names ending with a suffix: one range of `search_names_by_suffix` (the "C" collation
   * keeps `lrev` in code point order, so the upper bound is the prefix and U+10FFFF). The
   * count and the first `limit` names by tape and name.
   */
  async suffixPage(reversedSuffix: string, tapes: readonly string[], limit: number): Promise<{ total: number; names: NameOnTape[] }> {
    const where = 'lrev >= $1 AND lrev < $2 AND tape = ANY($3::text[])';
    const range = [reversedSuffix, `${reversedSuffix}\u{10ffff}`, [...tapes]];
    const [counted] = await rawRows(this.db, `SELECT count(*), coalesce(sum(versions), 0) FROM search_names WHERE ${where}`, range);
    const total = counted !== undefined && typeof counted[1] === 'number' ? counted[1] : 0;
    const page = await rawRows(this.db, `SELECT tape, name, versions FROM search_names WHERE ${where} ORDER BY tape, name LIMIT $4`, [...range, limit]);
    return { total, names: toNames(page) };
  }

  /** Names holding every literal (case-insensitive), through the trigram index: a superset the caller filters exactly. */
  async namesContaining(literals: readonly string[]): Promise<NameOnTape[]> {
    // ESCAPE '': a backslash in a literal is itself; `%` and `_` stay wildcards (a superset).
    // Names holding an escape (a NUL or U+0001: toPgText) read reversed escapes: they all come, for the caller's exact filter.
    const where = literals.map((_, i) => `reverse(lrev) LIKE $${i + 1} ESCAPE ''`).join(' AND ');
    const text = `SELECT tape, name, versions FROM search_names${literals.length === 0 ? '' : ` WHERE (${where}) OR strpos(name, chr(1)) > 0`}`;
    return toNames(await rawRows(this.db, text, literals.map((l) => `%${l.toLowerCase()}%`)));
  }

  /** The versions of one name on one tape, by folder and age. */
  async hitsOfName(tape: string, name: string, limit: number): Promise<HitRow[]> {
    return (await rows(this.db, `SELECT ${HIT_COLUMNS} FROM ${HIT_FROM} WHERE e.name = $1 AND d.tape = $2 AND e.kind != 'deleted' ${ORDER} LIMIT $3`, [name, tape, limit])).map(toHit);
  }

  async *dirs(): AsyncIterable<DirRow> {
    for await (const row of this.walk('SELECT id, tape, path FROM dirs', [])) if (isDirRow(row)) yield row;
  }

  /** The entries directly in one folder, as `[id, name]`, by name and age (no 'deleted' rows). */
  async entryNamesIn(dirId: number): Promise<[number, string][]> {
    const found = await rawRows(this.db, `SELECT id, name FROM entries WHERE dir_id = $1 AND kind != 'deleted' ORDER BY name, ordinal`, [dirId]);
    return found.flatMap((r) => (typeof r[0] === 'number' && typeof r[1] === 'string' ? [[r[0], r[1]] satisfies [number, string]] : []));
  }

  /** These entries as results, in the order given. */
  async hitsByIds(ids: readonly number[]): Promise<HitRow[]> {
    const text = `SELECT ${HIT_COLUMNS} FROM unnest($1::bigint[]) WITH ORDINALITY AS x(id, n)
      JOIN entries e ON e.id = x.id JOIN dirs d ON d.id = e.dir_id JOIN jobs j ON j.id = e.job ORDER BY x.n`;
    return (await rows(this.db, text, [[...ids]])).map(toHit);
  }

  /** Every version on these tapes (all tapes: `undefined`), walked a page at a time. */
  async *allHits(tapes: readonly string[] | undefined): AsyncIterable<HitRow> {
    const text = `SELECT ${HIT_COLUMNS} FROM ${HIT_FROM} WHERE e.kind != 'deleted' AND ($1::text[] IS NULL OR d.tape = ANY($1::text[]))
       ORDER BY d.tape, d.path, e.name, e.ordinal`;
    for await (const row of this.walk(text, [tapes === undefined ? null : [...tapes]])) yield toHit(row);
  }

  /** A query's rows through a cursor on a client of its own (a transaction: a cursor lives in one). */
  private async *walk(text: string, values: unknown[]): AsyncIterable<unknown> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN READ ONLY');
      await client.query({ text: `DECLARE walk NO SCROLL CURSOR FOR ${text}`, values });
      for (;;) {
        const page = await client.query({ text: `FETCH ${PAGE} FROM walk`, types: PG_TYPES });
        for (const row of page.rows) yield fromPgRow(row);
        if (page.rows.length < PAGE) break;
      }
      await client.query('COMMIT');
    } finally {
      await client.query('ROLLBACK').catch(() => undefined);
      client.release();
    }
  }
}
