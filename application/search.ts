import * as E from 'fp-ts/Either';
import { parseSearchPattern, type SearchPattern } from '../domain/search-pattern';
import { reversedLower } from '../projections/search';
import type { DirRow, HitRow, NameOnTape, SearchQueries } from '../projections/ports/search-queries';
import type { App } from './app';
import type { AppError } from './errors';
import { tapeIdFromInput } from './tape-id-input';

/** Turns a path as the catalog stores it (components may be ciphertext tokens) into the real one. */
export type NameDecoder = (storedPath: string) => string;

export interface SearchInput {
  readonly pattern: string;
  readonly tape?: string;
  /** At most this many results (the total is counted anyway). */
  readonly limit: number;
  /**
   * Unlocked encrypted tapes, by tape id: how to read their stored paths. An encrypted
   * tape without a decoder is skipped and counted as locked.
   */
  readonly nameDecoders?: ReadonlyMap<string, NameDecoder>;
}

export interface SearchHit {
  readonly tape: string;
  readonly path: string;
  readonly name: string;
  readonly type: 'file' | 'dir' | 'symlink';
  readonly size: number;
  readonly mtimeNs: string;
  readonly job: string;
  /** When the job that archived this version started. */
  readonly backedUpAt: string;
}

export interface SearchResult {
  readonly pattern: string;
  readonly target: 'name' | 'path';
  readonly total: number;
  readonly hits: readonly SearchHit[];
  /** Encrypted tapes that were not searched because no key unlocked them. */
  readonly lockedTapes: readonly string[];
}

const joinPath = (dir: string, name: string): string => (dir === '/' ? `/${name}` : `${dir}/${name}`);

const toHit = (row: HitRow, path = joinPath(row.dir, row.name)): SearchHit => ({
  tape: row.tape,
  path,
  name: path.slice(path.lastIndexOf('/') + 1),
  type: row.kind,
  size: row.size,
  mtimeNs: row.mtimeNs,
  job: row.job,
  backedUpAt: row.backedUpAt,
});

const matchesHit = (p: SearchPattern, hit: SearchHit): boolean => p.regex.test(p.target === 'name' ? hit.name : hit.path);

const byTapePath = (a: SearchHit, b: SearchHit): number =>
  a.tape < b.tape ? -1 : a.tape > b.tape ? 1 : a.path < b.path ? -1 : a.path > b.path ? 1 : 0;

/** Collects up to `limit` of the rows kept (as hits) and counts all of them: one pass over the catalog's stream. */
const takeAndCount = async (rows: AsyncIterable<HitRow>, hit: (r: HitRow) => SearchHit, keep: (h: SearchHit) => boolean, limit: number): Promise<{ taken: SearchHit[]; total: number }> => {
  const taken: SearchHit[] = [];
  let total = 0;
  for await (const row of rows) {
    const item = hit(row);
    if (!keep(item)) continue;
    if (total < limit) taken.push(item);
    total++;
  }
  return { taken, total };
};

interface Scope {
  readonly includes: (tape: string) => boolean;
  /** The plain tapes searched. */
  readonly tapes: readonly string[];
}

const byTapeName = (a: NameOnTape, b: NameOnTape): number =>
  a.tape < b.tape ? -1 : a.tape > b.tape ? 1 : a.name < b.name ? -1 : a.name > b.name ? 1 : 0;

/** The `k` smallest items in order, without sorting them all (k is a page, the items up to a million). */
const smallest = <A>(items: readonly A[], k: number, compare: (a: A, b: A) => number): A[] => {
  const best: A[] = [];
  for (const item of items) {
    if (best.length === k && compare(item, best[k - 1]!) >= 0) continue;
    let lo = 0;
    let hi = best.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (compare(best[mid]!, item) <= 0) lo = mid + 1;
      else hi = mid;
    }
    best.splice(lo, 0, item);
    if (best.length > k) best.pop();
  }
  return best;
};

/** The first versions of these names (already in order), up to `limit`. */
const firstHits = async (q: SearchQueries, names: Iterable<NameOnTape>, limit: number): Promise<SearchHit[]> => {
  const hits: SearchHit[] = [];
  for (const m of names) {
    if (hits.length >= limit) break;
    hits.push(...(await q.hitsOfName(m.tape, m.name, limit - hits.length)).map((r) => toHit(r)));
  }
  return hits;
};

/** Name patterns: distinct names from the index, counted by their versions; the first ones fetched. */
const searchNames = async (q: SearchQueries, p: SearchPattern, scope: Scope, limit: number): Promise<{ hits: SearchHit[]; total: number }> => {
  if (p.nameSuffix !== undefined) {
    // `*.dng`: exact from the reversed-name index alone (names hold no `/`).
    const page = await q.suffixPage(reversedLower(p.nameSuffix), scope.tapes, limit);
    return { hits: await firstHits(q, page.names, limit), total: page.total };
  }
  const matched: NameOnTape[] = [];
  let total = 0;
  for (const c of await q.namesContaining(p.nameLiterals)) {
    if (scope.includes(c.tape) && p.regex.test(c.name)) {
      matched.push(c);
      total += c.versions;
    }
  }
  return { hits: await firstHits(q, smallest(matched, limit, byTapeName), limit), total };
};

const byTapeThenPath = (a: DirRow, b: DirRow): number => (a.tape < b.tape ? -1 : a.tape > b.tape ? 1 : a.path < b.path ? -1 : a.path > b.path ? 1 : 0);

/**
 * Path patterns: the folders that can hold a match first (folders are few), then the
 * names in each, matched on the whole path; details only for the page shown. Without a
 * folder part to narrow by (`**` in the last part, substrings), every entry.
 */
const searchPaths = async (q: SearchQueries, p: SearchPattern, scope: Scope, limit: number): Promise<{ hits: SearchHit[]; total: number }> => {
  const dirRegex = p.dirRegex;
  if (dirRegex === undefined) {
    const { taken, total } = await takeAndCount(q.allHits(scope.tapes), (r) => toHit(r), (h) => matchesHit(p, h), limit);
    return { hits: taken, total };
  }
  const dirs: DirRow[] = [];
  for await (const d of q.dirs()) if (scope.includes(d.tape) && dirRegex.test(d.path)) dirs.push(d);
  dirs.sort(byTapeThenPath);
  const page: number[] = [];
  let total = 0;
  for (const dir of dirs) {
    for (const [id, name] of await q.entryNamesIn(dir.id)) {
      if (!p.regex.test(joinPath(dir.path, name))) continue;
      if (page.length < limit) page.push(id);
      total++;
    }
  }
  return { hits: (await q.hitsByIds(page)).map((r) => toHit(r)), total };
};

/** An unlocked encrypted tape: every stored path decoded, then matched. */
const searchDecoded = (q: SearchQueries, p: SearchPattern, tape: string, decode: NameDecoder, limit: number) =>
  takeAndCount(q.allHits([tape]), (r) => toHit(r, decode(joinPath(r.dir, r.name))), (h) => matchesHit(p, h), limit);

/**
 * Finds archived files, folders and symlinks by name or path on every tape (or one),
 * every version of each, with tape, job, size and dates; encrypted tapes only when a
 * decoder unlocks them.
 */
export const searchCatalog = async (app: App, input: SearchInput): Promise<E.Either<AppError, SearchResult>> => {
  const only = input.tape === undefined ? E.right(undefined) : tapeIdFromInput(input.tape);
  if (E.isLeft(only)) return only;
  if (only.right !== undefined && (await app.catalog.tape(only.right)) === undefined) return E.left({ _tag: 'TapeNotRegistered', tape: only.right });
  const p = parseSearchPattern(input.pattern);
  if (p.pattern === '') return E.left({ _tag: 'InvalidOption', option: 'pattern', value: input.pattern, expected: 'a name, part of one, or a glob such as *.dng' });
  const decoders = input.nameDecoders ?? new Map<string, NameDecoder>();
  const allTapes = await app.catalog.tapes();
  const encrypted = allTapes.filter((t) => t.encrypted && (only.right === undefined || t.id === only.right));
  const locked = encrypted.filter((t) => !decoders.has(t.id)).map((t) => t.id);
  const q = app.catalog.search;
  const plainTapes = allTapes.filter((t) => !t.encrypted && (only.right === undefined || t.id === only.right)).map((t) => t.id);
  const plainSet = new Set(plainTapes);
  const scope: Scope = { includes: (tape) => plainSet.has(tape), tapes: plainTapes };
  const plain = await (p.target === 'name' ? searchNames : searchPaths)(q, p, scope, input.limit);
  const decoded: { taken: SearchHit[]; total: number }[] = [];
  for (const t of encrypted) {
    const decode = decoders.get(t.id);
    if (decode !== undefined) decoded.push(await searchDecoded(q, p, t.id, decode, input.limit));
  }
  const hits = decoded.length === 0 ? plain.hits : [...plain.hits, ...decoded.flatMap((d) => d.taken)].sort(byTapePath).slice(0, input.limit);
  const total = plain.total + decoded.reduce((n, d) => n + d.total, 0);
  return E.right({ pattern: p.pattern, target: p.target, total, hits, lockedTapes: locked });
};
