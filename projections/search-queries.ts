import type Database from 'better-sqlite3';
import * as t from 'io-ts';
import { describeErrors } from '../domain/events';

const HitRow = t.type({
  tape: t.string,
  dir: t.string,
  name: t.string,
  kind: t.keyof({ file: null, dir: null, symlink: null }),
  size: t.number,
  mtime_ns: t.string,
  job: t.string,
  backed_up_at: t.string,
});
export type HitRow = t.TypeOf<typeof HitRow>;

/** A distinct name on one tape, and how many archived versions carry it there. */
export interface NameOnTape {
  readonly tape: string;
  readonly name: string;
  readonly versions: number;
}

export interface DirRow {
  readonly id: number;
  readonly tape: string;
  readonly path: string;
}

const decode = <C extends t.Mixed>(codec: C, row: unknown): t.TypeOf<C> => {
  const decoded = codec.decode(row);
  if (decoded._tag === 'Left') throw new Error(`catalog search: ${describeErrors(decoded.left).join('; ')}`);
  return decoded.right;
};

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

/** The read side of `lto search` over the name index (see projections/search.ts). */
export class SearchQueries {
  constructor(private readonly db: Database.Database) {}

  /** Names whose reversed lowercase form starts with `reversedSuffix` (names ending with it). */
  namesEndingWith(reversedSuffix: string): NameOnTape[] {
    return toNames(
      this.db
        .prepare('SELECT tape, name, versions FROM search_names WHERE lrev >= ? AND lrev < ?')
        .raw()
        .all(reversedSuffix, `${reversedSuffix}\u{10ffff}`),
    );
  }

  /** Names holding every literal (case-insensitive), through the trigram index; none: every name. */
  namesContaining(literals: readonly string[]): NameOnTape[] {
    const statement =
      literals.length === 0
        ? this.db.prepare('SELECT tape, name, versions FROM search_names')
        : this.db.prepare(
            `SELECT s.tape, s.name, s.versions FROM search_names_fts f JOIN search_names s ON s.id = f.rowid
             WHERE ${literals.map(() => 'f.name LIKE ?').join(' AND ')}`,
          );
    return toNames(statement.raw().all(...literals.map(likeContaining)));
  }

  /** The versions of one name on one tape, by folder and age. */
  hitsOfName(tape: string, name: string, limit: number): HitRow[] {
    return this.db
      .prepare(`SELECT ${HIT_COLUMNS} FROM ${HIT_FROM} WHERE e.name = ? AND d.tape = ? AND e.kind != 'deleted' ${ORDER} LIMIT ?`)
      .all(name, tape, limit)
      .map((row) => decode(HitRow, row));
  }

  dirs(): Iterable<DirRow> {
    return filterIter(this.db.prepare('SELECT id, tape, path FROM dirs').iterate(), isDirRow);
  }

  /** Every version directly in these folders whose full path passes `keep`. */
  hitsInDirs(dirIds: readonly number[], keep: (path: string) => boolean): HitRow[] {
    const rows = this.db
      .prepare(
        `SELECT ${HIT_COLUMNS} FROM json_each(?) x JOIN ${HIT_FROM} WHERE e.dir_id = x.value AND e.kind != 'deleted'
         ORDER BY d.tape, d.path, e.name, e.ordinal`,
      )
      .raw()
      .all(JSON.stringify(dirIds));
    const out: HitRow[] = [];
    for (const r of rows) {
      if (!Array.isArray(r) || typeof r[1] !== 'string' || typeof r[2] !== 'string') continue;
      if (!keep(r[1] === '/' ? `/${r[2]}` : `${r[1]}/${r[2]}`)) continue;
      out.push(decode(HitRow, { tape: r[0], dir: r[1], name: r[2], kind: r[3], size: r[4], mtime_ns: r[5], job: r[6], backed_up_at: r[7] }));
    }
    return out;
  }

  /** Every version on these tapes (all tapes: `undefined`). */
  allHits(tapes: readonly string[] | undefined): Iterable<HitRow> {
    const rows = this.db
      .prepare(
        `SELECT ${HIT_COLUMNS} FROM ${HIT_FROM} WHERE e.kind != 'deleted' AND (? IS NULL OR d.tape IN (SELECT value FROM json_each(?)))
         ORDER BY d.tape, d.path, e.name, e.ordinal`,
      )
      .iterate(tapes === undefined ? null : JSON.stringify(tapes), tapes === undefined ? '[]' : JSON.stringify(tapes));
    return mapIter(rows, (row) => decode(HitRow, row));
  }
}

function* mapIter<A, B>(items: Iterable<A>, f: (a: A) => B): Iterable<B> {
  for (const item of items) yield f(item);
}
