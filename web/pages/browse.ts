import * as E from 'fp-ts/Either';
import type { BrowseEntry } from '../../application/browse';
import { browsePage as browseFolderPage } from '../../application/browse-page';
import { LOCKED_NAMES, PLAIN_NAMES } from '../../application/entry-names';
import { tapeIdFromInput } from '../../application/tape-id-input';
import { listJobs } from '../../application/list-jobs';
import { formatBytes, formatLocalTime, shortId } from '../../cli/ui/format';
import { nsToIso } from '../../cli/commands/browse';
import { esc, href, name, page, table } from '../html';
import { badRequest, errorPage } from './errors';
import { checkbox, restoreForm } from '../restore-form';
import { okPage, type PageContext, type PageResult } from './context';

export const PAGE_SIZE = 200;

export interface BrowseQuery {
  readonly tape: string;
  readonly dir: string | undefined;
  readonly job: string | undefined;
  readonly page: number;
  /** The name the page starts after (a next link) or ends before (a previous link): an index seek instead of counting to the page. */
  readonly after?: string | undefined;
  readonly before?: string | undefined;
}

/** `/`, `/home`, `/home/me`: each ancestor of a folder, linked. */
const crumbs = (q: BrowseQuery, asOfJob: string, dir: string | null): string => {
  const link = (label: string, path: string | undefined) => `<a href="${href('/browse', { tape: q.tape, dir: path, job: q.job })}">${label}</a>`;
  const parts = dir === null ? [] : dir.split('/').filter((p) => p !== '');
  const ancestors = parts.map((part, i) => link(name(part), `/${parts.slice(0, i + 1).join('/')}`));
  return `<nav class="crumbs">${link(esc(q.tape), undefined)} <span class="muted">as of job ${esc(shortId(asOfJob))}</span> / ${link('/', '/')} ${ancestors.join(' / ')}</nav>`;
};

const entryCell = (q: BrowseQuery, whole: boolean) => (e: BrowseEntry): string => {
  const shown = name(whole ? e.path : e.name);
  if (e.type === 'dir') return `<a class="dir" href="${href('/browse', { tape: q.tape, dir: e.path, job: q.job })}">${shown}/</a>`;
  if (e.type === 'symlink') return `${shown} <span class="muted">→ ${name(e.target ?? '')}</span>`;
  return `<span class="file">${shown}</span>`;
};

const versionsCell = (q: BrowseQuery) => (e: BrowseEntry): string =>
  e.type === 'file' && e.versions > 1 ? `<a href="${href('/versions', { tape: q.tape, path: e.path })}">${e.versions}</a>` : String(e.versions);

const pager = (q: BrowseQuery, total: number, shown: readonly BrowseEntry[]): string => {
  const pages = Math.max(1, Math.ceil(total / PAGE_SIZE));
  if (pages === 1) return '';
  const link = (n: number, edge: { after?: string; before?: string }, label: string, rel: string) =>
    `<a rel="${rel}" href="${href('/browse', { tape: q.tape, dir: q.dir, job: q.job, page: n, ...edge })}">${label}</a>`;
  const first = shown[0];
  const last = shown[shown.length - 1];
  const previous = q.page > 1 && first !== undefined ? link(q.page - 1, q.page === 2 ? {} : { before: first.name }, '← previous', 'prev') : '';
  const next = q.page < pages && last !== undefined ? link(q.page + 1, { after: last.name }, 'next →', 'next') : '';
  const jump = `<form method="get" action="/browse" class="inline" style="margin:0"><input type="hidden" name="tape" value="${esc(q.tape)}">${q.dir === undefined ? '' : `<input type="hidden" name="dir" value="${esc(q.dir)}">`}${q.job === undefined ? '' : `<input type="hidden" name="job" value="${esc(q.job)}">`}<label>Go to page<input name="page" type="number" min="1" max="${pages}" value="${q.page}" style="width:6em"></label></form>`;
  return `<div class="pager">${previous}<span>page ${q.page} of ${pages} (${total} entries)</span>${next}${jump}</div>`;
};

const jobChoice = async (ctx: PageContext, q: BrowseQuery, asOfJob: string): Promise<string> => {
  const backups = (await listJobs(ctx.app, { tape: q.tape, type: 'BACKUP' })).filter((j) => j.files > 0 || j.status === 'SUCCESS');
  if (backups.length < 2) return '';
  const options = backups
    .reverse()
    .map((j) => `<option value="${esc(j.id)}"${j.id === asOfJob ? ' selected' : ''}>${esc(shortId(j.id))} · ${esc(formatLocalTime(j.startedAt))} · ${esc(j.status.toLowerCase())}</option>`)
    .join('');
  const dir = q.dir === undefined ? '' : `<input type="hidden" name="dir" value="${esc(q.dir)}">`;
  return `<form class="inline" method="get" action="/browse"><input type="hidden" name="tape" value="${esc(q.tape)}">${dir}<label>As of backup<select name="job">${options}</select></label><button type="submit">Show</button></form>`;
};

/** An encrypted tape's names show locked until its passphrase is typed here (POST, with the CSRF token). */
const unlockForm = (ctx: PageContext, tape: string): string =>
  `<form class="inline notice" method="post" action="/unlock"><span>This tape is encrypted: names are shown locked.</span><input type="hidden" name="csrf" value="${esc(ctx.session.csrf)}"><input type="hidden" name="tape" value="${esc(tape)}"><label>Passphrase<input type="password" name="passphrase" autocomplete="off" required></label><button type="submit">Unlock</button></form>`;

/**
 * A folder of a tape as of a backup job, a page at a time: the same `browse` the CLI
 * runs. An encrypted tape's names show locked until it is unlocked in this session.
 */
export const browsePage = async (ctx: PageContext, q: BrowseQuery): Promise<PageResult> => {
  const tape = tapeIdFromInput(q.tape);
  if (E.isLeft(tape)) return errorPage(ctx, 'Browse', tape.left);
  if (!Number.isSafeInteger(q.page) || q.page < 1) return badRequest(ctx, 'Browse', 'page must be a whole number from 1');
  const encrypted = (await ctx.app.catalog.tape(tape.right))?.encrypted === true;
  const opened = ctx.session.unlocked.get(tape.right);
  const window = q.after !== undefined ? { after: q.after, limit: PAGE_SIZE } : q.before !== undefined ? { before: q.before, limit: PAGE_SIZE } : { offset: (q.page - 1) * PAGE_SIZE, limit: PAGE_SIZE };
  const result = await browseFolderPage(ctx.app, { tape: tape.right, dir: q.dir, job: q.job }, window, encrypted ? (opened ?? LOCKED_NAMES) : PLAIN_NAMES);
  if (E.isLeft(result)) return errorPage(ctx, 'Browse', result.left);
  const r = result.right;
  const whole = r.dir === null;
  const shown = r.entries;
  const body = [
    `<h1>Browse ${esc(r.tape)}</h1>`,
    !encrypted ? '' : opened === undefined ? unlockForm(ctx, r.tape) : '<p class="notice unlocked">This encrypted tape is unlocked for this session (its passphrase was not kept).</p>',
    await jobChoice(ctx, q, r.asOfJob),
    crumbs(q, r.asOfJob, r.dir),
    r.total === 0 ? '<p class="muted">This folder is empty.</p>' : '',
    shown.length === 0 ? '' : restoreForm(ctx, { tape: r.tape, job: r.asOfJob, encrypted, inner: table(shown, [
      ...(ctx.readOnly ? [] : [{ header: '', cell: (e: BrowseEntry) => checkbox(ctx, e.path) }]),
      { header: 'Name', cell: entryCell(q, whole) },
      { header: 'Size', cell: (e) => (e.type !== 'file' ? '' : e.piece === null ? formatBytes(e.size) : `${formatBytes(e.size)} (${formatBytes(e.piece.length)} here)`), num: true },
      { header: 'Modified', nowrap: true, cell: (e) => esc(formatLocalTime(nsToIso(e.mtimeNs))) },
      { header: 'Versions', cell: versionsCell(q), num: true },
      { header: 'Job', cell: (e) => esc(shortId(e.job)) },
    ], (e) => ` data-path="${esc(e.path)}" data-type="${e.type}"`) }),
    pager(q, r.total, shown),
  ].join('\n');
  return okPage(page({ title: `Browse ${r.tape}`, section: '/', readOnly: ctx.readOnly, body }));
};
