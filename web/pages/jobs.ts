import * as E from 'fp-ts/Either';
import { listJobs, type JobsFilter } from '../../application/list-jobs';
import { tapeIdFromInput } from '../../application/tape-id-input';
import { esc, page } from '../html';
import { badRequest, errorPage } from './errors';
import { jobsTable } from './tapes';
import { okPage, type PageContext, type PageResult } from './context';
import { LIVE_SCRIPT, liveSignature } from '../live';
import { parseSince } from '../../cli/ui/parse';

const TYPES = ['ADD_TAPE', 'BACKUP', 'RESTORE', 'VERIFY', 'RECOVERY'] as const;
const STATUSES = ['RUNNING', 'SUCCESS', 'FAILED', 'INTERRUPTED'] as const;
/** The newest this many unless asked for more (a catalog keeps every job for ever). */
const DEFAULT_LIMIT = 500;

export interface JobsQuery {
  readonly tape: string;
  readonly type: string;
  readonly status: string;
  /** An age (7d, 12h) or a date (2026-12-01), as `lto jobs --since` takes. */
  readonly since: string;
}

const select = (name: string, label: string, words: readonly string[], chosen: string): string =>
  `<label>${label}<select name="${name}"><option value="">any</option>${words.map((w) => `<option value="${w}"${w === chosen ? ' selected' : ''}>${w.toLowerCase().replace(/_/g, ' ')}</option>`).join('')}</select></label>`;

/** Every job, newest last as `lto jobs` lists them, with the CLI's filters; a running job's progress live. */
export const jobsPage = async (ctx: PageContext, query: JobsQuery): Promise<PageResult> => {
  const tape = query.tape === '' ? E.right(undefined) : tapeIdFromInput(query.tape);
  if (E.isLeft(tape)) return errorPage(ctx, 'Jobs', tape.left, '/jobs');
  if (query.type !== '' && !TYPES.some((t) => t === query.type)) return badRequest(ctx, 'Jobs', `type must be one of ${TYPES.join(', ')}`, '/jobs');
  if (query.status !== '' && !STATUSES.some((s) => s === query.status)) return badRequest(ctx, 'Jobs', `status must be one of ${STATUSES.join(', ')}`, '/jobs');
  const sinceMs = query.since.trim() === '' ? undefined : parseSince(query.since.trim(), ctx.app.clock().getTime());
  if (query.since.trim() !== '' && sinceMs === undefined) return badRequest(ctx, 'Jobs', `since must be an age such as 30m, 12h, 7d, 2w, or a date such as 2026-12-01, not "${query.since}"`, '/jobs');
  const filter: JobsFilter = {
    ...(sinceMs === undefined ? {} : { sinceMs }),
    limit: DEFAULT_LIMIT,
    ...(tape.right === undefined ? {} : { tape: tape.right }),
    ...(query.type === '' ? {} : { type: query.type }),
    ...(query.status === '' ? {} : { status: query.status }),
  };
  const jobs = await listJobs(ctx.app, filter);
  const tapes = await ctx.app.catalog.tapes();
  const form = `<form class="inline" method="get" action="/jobs"><label>Tape<select name="tape"><option value="">any</option>${tapes
    .map((t) => `<option value="${esc(t.id)}"${t.id === tape.right ? ' selected' : ''}>${esc(t.id)}</option>`)
    .join('')}</select></label>${select('type', 'Type', TYPES, query.type)}${select('status', 'Status', STATUSES, query.status)}<label>Since<input name="since" size="10" value="${esc(query.since)}" placeholder="7d, 2026-12-01"></label><button type="submit">Filter</button></form>`;
  const notices = ctx.notices.map((n) => `<p class="notice job-notice">${esc(n)}</p>`).join('');
  const body = `<h1>Jobs</h1>${notices}${form}<div id="jobs" data-signature="${esc(await liveSignature(ctx.app))}">${jobsTable([...jobs].reverse())}</div>`;
  return okPage(page({ title: 'Jobs', section: '/jobs', readOnly: ctx.readOnly, body, script: LIVE_SCRIPT }));
};
