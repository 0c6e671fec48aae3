import type Database from 'better-sqlite3';
import * as t from 'io-ts';
import { describeErrors } from '../../domain/events';
import type { DirRow, HitRow, NameOnTape, SearchQueries } from '../ports/search-queries';

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

/** A result row decoded once and shaped as the port's record. */
const toHit = (row: unknown): HitRow => {
  const r = decode(HitColumns, row);
  return { tape: r.tape, dir: r.dir, name: r.name, kind: r.kind, size: r.size, mtimeNs: r.mtime_ns, job: r.job, backedUpAt: r.backed_up_at };
};

const decode = <C extends t.Mixed>(codec: C, row: unknown): t.TypeOf<C> => {
  const decoded = codec.decode(row);
  if (decoded._tag === 'Left') throw new Error(`catalog search: ${describeErrors(decoded.left).join('; ')}`);
  return decoded.right;
};

/** Past this many matching names, a page is read in (tape, name) order rather than sorted. */
const BROAD = 2000;

/** Raw `[tape, name, versions]` rows of the hot loop (up to a million): checked, not decoded. */
const toNames = (rows: readonly unknown[]): NameOnTape[] => {
  const out: NameOnTape[] = [];
  for (const r of rows) {
    if (Array.isArray(r) && typeof r[0] === 'string' && typeof r[1] === 'string' && typeof r[2] === 'number') {
      out.push({ tape: r[0], name: r[1], versions: r[2] });
    }
  }
  return out;
};

const isDirRow = (r: unknown): r is DirRow =>
  typeof r === 'object' && r !== null && 'id' in r && typeof r.id === 'number' && 'tape' in r && typeof r.tape === 'string' &&
  'path' in r && typeof r.path === 'string';

const HIT_COLUMNS = `d.tape, d.path AS dir, e.name, e.kind, e.size, e.mtime_ns, e.job, j.started_at AS backed_up_at`;
const HIT_FROM = `entries e JOIN dirs d ON d.id = e.dir_id JOIN jobs j ON j.id = e.job`;
const ORDER = 'ORDER BY d.path, e.name, e.ordinal';

/**
 * `%literal%` for the trigram index. `%` and `_` in the literal stay wildcards (the
 * trigram index does not take ESCAPE): a superset, which the caller filters exactly.
 */
const likeContaining = (literal: string): string => `%${literal}%`;

function* filterIter<A, B extends A>(items: Iterable<A>, keep: (a: A) => a is B): Iterable<B> {
  for (const item of items) if (keep(item)) yield item;
}

/** The name index and entries of the SQLite catalog, for `lto search` (see projections/search.ts). */
export class SqliteSearchQueries implements SearchQueries {
  constructor(private readonly db: Database.Database) {}

  /**
   * Names ending with a suffix (their reversed lowercase form starts with `reversedSuffix`),
   * answered from indexes alone: the count of versions, and the first `limit` names by tape
   * and name. A broad suffix walks names in order until the page is full; a narrow one
   * sorts its few matches.
   */
  async suffixPage(reversedSuffix: string, tapes: readonly string[], limit: number): Promise<{ total: number; names: NameOnTape[] }> {
    const range = [reversedSuffix, `${reversedSuffix}\u{10ffff}`, JSON.stringify(tapes)] as const;
    const where = 'lrev >= ? AND lrev < ? AND tape IN (SELECT value FROM json_each(?))';
    const counted: unknown = this.db.prepare(`SELECT count(*), coalesce(sum(versions), 0) FROM search_names INDEXED BY search_names_by_suffix WHERE ${where}`).raw().get(...range);
    const [names, total] = Array.isArray(counted) && typeof counted[0] === 'number' && typeof counted[1] === 'number' ? counted : [0, 0];
    const index = names > BROAD ? 'INDEXED BY search_names_by_tape_name' : 'INDEXED BY search_names_by_suffix';
    const page = this.db.prepare(`SELECT tape, name, versions FROM search_names ${index} WHERE ${where} ORDER BY tape, name LIMIT ?`).raw().all(...range, limit);
    return { total, names: toNames(page) };
  }

  /**
   * Names holding every literal (case-insensitive), through the trigram index; none: every
   * name. Names with bytes that are not UTF-8 come too (LIKE reads a text only up to its
   * first NUL), for the caller's exact filter.
   */
  async namesContaining(literals: readonly string[]): Promise<NameOnTape[]> {
    const statement =
      literals.length === 0
        ? this.db.prepare('SELECT tape, name, versions FROM search_names')
        : this.db.prepare(
            `SELECT s.tape, s.name, s.versions FROM search_names_fts f JOIN search_names s ON s.id = f.rowid
             WHERE ${literals.map(() => 'f.name LIKE ?').join(' AND ')}
             UNION
             SELECT tape, name, versions FROM search_names INDEXED BY search_names_escaped WHERE instr(name, char(0)) > 0`,
          );
    return toNames(statement.raw().all(...literals.map(likeContaining)));
  }

  /** The versions of one name on one tape, by folder and age. */
  async hitsOfName(tape: string, name: string, limit: number): Promise<HitRow[]> {
    return this.db
      .prepare(`SELECT ${HIT_COLUMNS} FROM ${HIT_FROM} WHERE e.name = ? AND d.tape = ? AND e.kind != 'deleted' ${ORDER} LIMIT ?`)
      .all(name, tape, limit)
      .map(toHit);
  }

  dirs(): AsyncIterable<DirRow> {
    return asAsync(filterIter(this.db.prepare('SELECT id, tape, path FROM dirs').iterate(), isDirRow));
  }

  /** The entries directly in one folder, as `[id, name]`, by name and age (no 'deleted' rows). */
  async entryNamesIn(dirId: number): Promise<[number, string][]> {
    const rows = this.db.prepare(`SELECT id, name FROM entries WHERE dir_id = ? AND kind != 'deleted' ORDER BY name, ordinal`).raw().all(dirId);
    return rows.filter((r): r is [number, string] => Array.isArray(r) && typeof r[0] === 'number' && typeof r[1] === 'string');
  }

  /** These entries as results, in the order given. */
  async hitsByIds(ids: readonly number[]): Promise<HitRow[]> {
    return this.db
      .prepare(`SELECT ${HIT_COLUMNS} FROM json_each(?) x JOIN ${HIT_FROM} WHERE e.id = x.value ORDER BY x.key`)
      .all(JSON.stringify(ids))
      .map(toHit);
  }

  /** Every version on these tapes (all tapes: `undefined`). */
  allHits(tapes: readonly string[] | undefined): AsyncIterable<HitRow> {
    const rows = this.db
      .prepare(
        `SELECT ${HIT_COLUMNS} FROM ${HIT_FROM} WHERE e.kind != 'deleted' AND (? IS NULL OR d.tape IN (SELECT value FROM json_each(?)))
         ORDER BY d.tape, d.path, e.name, e.ordinal`,
      )
      .iterate(tapes === undefined ? null : JSON.stringify(tapes), tapes === undefined ? '[]' : JSON.stringify(tapes));
    return asAsync(mapIter(rows, toHit));
  }
}

/**
 * Rows of an open statement handed out asynchronously (the port's shape, for a server
 * database's cursor). The statement stays open between rows, as it did when iterated
 * synchronously; better-sqlite3 refuses a write on this connection meanwhile.
 */
async function* asAsync<A>(items: Iterable<A>): AsyncIterable<A> {
  yield* items;
}

function* mapIter<A, B>(items: Iterable<A>, f: (a: A) => B): Iterable<B> {
  for (const item of items) yield f(item);
}
