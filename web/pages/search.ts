import * as E from 'fp-ts/Either';
import { searchCatalog, type SearchHit } from '../../application/search';
import { tapesWithLabelInCatalog } from '../../application/tapes-with-label';
import { listLabels } from '../../application/tags';
import type { AppError } from '../../application/errors';
import { formatBytes, formatLocalTime, shortId } from '../../cli/ui/format';
import { nsToIso } from '../../cli/commands/browse';
import { globFromInput } from '../../domain/name-bytes';
import { esc, href, name, page, table } from '../html';
import { badRequest, errorPage } from './errors';
import { restoreForm, restoreHitsForm } from '../restore-form';
import { okPage, type PageContext, type PageResult } from './context';

export const SEARCH_LIMIT = 200;

export interface SearchQuery {
  readonly q: string;
  readonly tape: string;
  readonly label: string;
  /** Backed up on or after / before this day (YYYY-MM-DD, UTC), inclusive. */
  readonly from: string;
  readonly to: string;
}

const DAY = /^\d{4}-\d{2}-\d{2}$/;

const dayBounds = (query: SearchQuery): E.Either<string, { from: number; to: number }> => {
  if (query.from !== '' && !DAY.test(query.from)) return E.left(`"since" must be a date such as 2026-12-01, not "${query.from}"`);
  if (query.to !== '' && !DAY.test(query.to)) return E.left(`"until" must be a date such as 2026-12-31, not "${query.to}"`);
  const from = query.from === '' ? -Infinity : Date.parse(`${query.from}T00:00:00Z`);
  const to = query.to === '' ? Infinity : Date.parse(`${query.to}T00:00:00Z`) + 86_400_000;
  if (Number.isNaN(from) || Number.isNaN(to)) return E.left('a date filter is not a real date');
  return E.right({ from, to });
};

const form = async (ctx: PageContext, query: SearchQuery): Promise<string> => {
  const tapes = await ctx.app.catalog.tapes();
  const labels = await listLabels(ctx.app);
  const option = (value: string, label: string, chosen: string) => `<option value="${esc(value)}"${value === chosen ? ' selected' : ''}>${esc(label)}</option>`;
  return `<form class="inline" method="get" action="/search">
<label>Name or path pattern<input name="q" size="40" value="${esc(query.q)}" placeholder="*.dng, 2019/*/*.jpg, report" autofocus></label>
<label>Tape<select name="tape">${option('', 'every tape', query.tape)}${tapes.map((t) => option(t.id, t.encrypted ? `${t.id} (encrypted)` : t.id, query.tape)).join('')}</select></label>
<label>Label<select name="label">${option('', 'any', query.label)}${labels.map((l) => option(l.name, l.name, query.label)).join('')}</select></label>
<label>Backed up from<input type="date" name="since" value="${esc(query.from)}"></label>
<label>to<input type="date" name="until" value="${esc(query.to)}"></label>
<button type="submit">Search</button></form>`;
};

/** The tapes to search: one, those with a label, or all (undefined). */
const tapesInScope = async (ctx: PageContext, query: SearchQuery): Promise<E.Either<AppError, readonly (string | undefined)[]>> => {
  if (query.label === '') return E.right([query.tape === '' ? undefined : query.tape]);
  const withLabel = await tapesWithLabelInCatalog(ctx.app)(query.label);
  if (E.isLeft(withLabel)) return withLabel;
  return E.right(withLabel.right.filter((t) => query.tape === '' || t === query.tape));
};

/**
 * Search across tapes with the CLI's patterns (the same `searchCatalog`), narrowed by
 * tape, label and the day the version was backed up. Locked encrypted tapes are named.
 */
export const searchPage = async (ctx: PageContext, query: SearchQuery): Promise<PageResult> => {
  const head = `<h1>Search</h1>${await form(ctx, query)}`;
  const done = (body: string) => okPage(page({ title: 'Search', section: '/search', readOnly: ctx.readOnly, body: `${head}${body}` }));
  if (query.q.trim() === '') return done('<p class="muted">Type part of a name, a glob over names (<code>*.dng</code>) or over paths (<code>2019/*/*.jpg</code>); case is ignored.</p>');
  const bounds = dayBounds(query);
  if (E.isLeft(bounds)) return badRequest(ctx, 'Search', bounds.left, '/search');
  const scope = await tapesInScope(ctx, query);
  if (E.isLeft(scope)) return errorPage(ctx, 'Search', scope.left, '/search');
  const dated = query.from !== '' || query.to !== '';
  // A date filter looks through more versions than a page shows, then keeps a page.
  const limit = dated ? 50 * SEARCH_LIMIT : SEARCH_LIMIT;
  // Encrypted tapes unlocked in this session are searched too, their names opened as the search runs.
  const decoders = new Map([...ctx.session.unlocked].map(([tape, names]) => [tape, (stored: string) => names.open(stored)] as const));
  let total = 0;
  const hits: SearchHit[] = [];
  const locked = new Set<string>();
  for (const tape of scope.right) {
    const result = await searchCatalog(ctx.app, { pattern: globFromInput(query.q), tape, limit, nameDecoders: decoders });
    if (E.isLeft(result)) return errorPage(ctx, 'Search', result.left, '/search');
    total += result.right.total;
    hits.push(...result.right.hits);
    result.right.lockedTapes.forEach((t) => locked.add(t));
  }
  const inDates = hits.filter((h) => {
    const at = Date.parse(h.backedUpAt);
    return at >= bounds.right.from && at < bounds.right.to;
  });
  const shown = inDates.slice(0, SEARCH_LIMIT);
  const count = dated
    ? `${shown.length} shown of the versions backed up in these dates among the first ${hits.length} of ${total} matching`
    : `${shown.length} shown of ${total} matching`;
  const lockedNote = locked.size === 0 ? '' : `<p class="notice locked">Locked: ${[...locked].map(esc).join(', ')} ${locked.size === 1 ? 'is' : 'are'} encrypted and not searched (unlock one on its Browse page, or <code>lto search --key</code>).</p>`;
  return done(
    `${lockedNote}<p class="muted count">${esc(count)}</p>${shown.length === 0 ? '<p>Nothing matches.</p>' : restoreHitsForm(ctx, hitsTable(shown, ctx.readOnly ? undefined : hitBox))}`,
  );
};

/** A tick for one hit: its tape, version (job) and path, as JSON the restore reads back. */
const hitBox = (h: SearchHit): string => `<input type="checkbox" name="hit" value="${esc(JSON.stringify([h.tape, h.job, h.path]))}" aria-label="select">`;

export const hitsTable = (hits: readonly SearchHit[], tick?: (h: SearchHit) => string): string =>
  table(hits, [
    ...(tick === undefined ? [] : [{ header: '', cell: tick }]),
    { header: 'Tape', cell: (h) => `<a href="${href('/tape', { tape: h.tape })}">${esc(h.tape)}</a>` },
    { header: 'Path', cell: (h) => `<a href="${href('/browse', { tape: h.tape, dir: parentOf(h.path), job: h.job })}">${name(h.path)}${h.type === 'dir' ? '/' : ''}</a>` },
    { header: 'Size', cell: (h) => (h.type === 'file' ? formatBytes(h.size) : ''), num: true },
    { header: 'Modified', nowrap: true, cell: (h) => esc(formatLocalTime(nsToIso(h.mtimeNs))) },
    { header: 'Job', cell: (h) => esc(shortId(h.job)) },
    { header: 'Backed up', nowrap: true, cell: (h) => esc(formatLocalTime(h.backedUpAt)) },
  ], (h) => ` data-tape="${esc(h.tape)}" data-path="${esc(h.path)}" data-job="${esc(h.job)}"`);

export const parentOf = (path: string): string => {
  const at = path.lastIndexOf('/');
  return at <= 0 ? '/' : path.slice(0, at);
};

/** Every version of one file on a tape (the same search, kept to that exact path). */
export const versionsPage = async (ctx: PageContext, tape: string, path: string): Promise<PageResult> => {
  const result = await searchCatalog(ctx.app, { pattern: path, tape, limit: 10_000 });
  if (E.isLeft(result)) return errorPage(ctx, 'Versions', result.left);
  const versions = result.right.hits.filter((h) => h.path === path);
  const choice = (h: SearchHit) => (ctx.readOnly ? '' : `<input type="radio" name="job" value="${esc(h.job)}" aria-label="this version" required>`);
  const list = table(versions, [{ header: '', cell: choice }, { header: 'Size', cell: (h) => formatBytes(h.size), num: true }, { header: 'Modified', nowrap: true, cell: (h) => esc(formatLocalTime(nsToIso(h.mtimeNs))) }, { header: 'Job', cell: (h) => esc(shortId(h.job)) }, { header: 'Backed up', nowrap: true, cell: (h) => esc(formatLocalTime(h.backedUpAt)) }], (h) => ` data-job="${esc(h.job)}"`);
  const encrypted = (await ctx.app.catalog.tape(tape))?.encrypted === true;
  const inner = `<input type="hidden" name="path" value="${esc(path)}">${list}`;
  const body = `<h1>Versions of ${name(path)}</h1><p><a href="${href('/browse', { tape, dir: parentOf(path) })}">← back to its folder</a></p>${versions.length === 0 ? '<p>No version of this file is catalogued here.</p>' : restoreForm(ctx, { tape, job: undefined, encrypted, inner })}`;
  return okPage(page({ title: 'Versions', section: '/', readOnly: ctx.readOnly, body }));
};
