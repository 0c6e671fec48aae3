import * as E from 'fp-ts/Either';
import { healthReport, type TapeHealth } from '../../application/report';
import { listJobs } from '../../application/list-jobs';
import { tapeHistory } from '../../application/inspect-tape';
import { listKeySlots } from '../../application/manage-key-slots';
import { tapeIdFromInput } from '../../application/tape-id-input';
import type { JobView } from '../../projections/ports/job-queries';
import type { TapeLabelView } from '../../projections/ports/label-queries';
import { eventSummary } from '../../cli/ui/event-summary';
import { formatBytes, formatLocalTime, shortId } from '../../cli/ui/format';
import { LOCKED_NAMES } from '../../application/entry-names';
import { badge, esc, href, page, table } from '../html';
import { errorPage } from './errors';
import { LIVE_SCRIPT, liveSignature } from '../live';
import { okPage, type PageContext, type PageResult } from './context';

const HEALTH_TEXT = { good: 'Good', warning: 'Warning', critical: 'Critical' } as const;

export const labelChips = (labels: readonly TapeLabelView[]): string =>
  labels.map((l) => `<span class="chip" style="border-color:${esc(l.color)}">${esc(l.name)}</span>`).join('');

const fillBar = (t: TapeHealth): string => {
  const used = t.tape.capacityBytes === 0 ? 0 : t.tape.usedBytes / t.tape.capacityBytes;
  const width = (Math.min(1, used) * 100).toFixed(1);
  return `<span class="bar ${used > 0.95 ? 'critical' : used > 0.8 ? 'warning' : ''}" title="${width}%"><span style="width:${width}%"></span></span> ${(used * 100).toFixed(1)}%`;
};

const tapeLink = (id: string): string => `<a href="${href('/tape', { tape: id })}">${esc(id)}</a>`;

/** Every tape, what needs attention first (the report's order): health, fill, generation, labels, last verify. */
export const tapesPage = async (ctx: PageContext): Promise<PageResult> => {
  const report = await healthReport(ctx.app);
  const m = report.summary;
  const body = report.tapes.length === 0
    ? '<p>No tapes yet: add one with <code>lto tape add &lt;barcode&gt;</code>.</p>'
    : table(
        report.tapes,
        [
          { header: 'Tape', cell: (t) => `<strong>${tapeLink(t.tape.id)}</strong>${t.tape.encrypted ? ' <span class="chip locked">encrypted</span>' : ''}` },
          { header: 'Health', cell: (t) => badge(HEALTH_TEXT[t.score.health], t.score.health) },
          { header: 'Fill', cell: fillBar, nowrap: true },
          { header: 'Used', cell: (t) => `${formatBytes(t.tape.usedBytes)} / ${formatBytes(t.tape.capacityBytes)}`, num: true },
          { header: 'Gen', cell: (t) => esc(t.tape.generation) },
          { header: 'Files', cell: (t) => String(t.content.files), num: true },
          { header: 'Last verify', nowrap: true, cell: (t) => (t.lastVerify === null ? '<span class="muted">never</span>' : `${esc(t.lastVerify.status.toLowerCase())}, ${esc(formatLocalTime(t.lastVerify.at))}`) },
          { header: 'Last backup', cell: (t) => (t.lastBackupAt === null ? '<span class="muted">none</span>' : esc(formatLocalTime(t.lastBackupAt))) },
          { header: 'Labels', cell: (t) => labelChips(t.labels) },
          { header: 'Description', cell: (t) => esc(t.tape.description) },
          { header: 'Notes', cell: (t) => esc(t.score.reasons.map((r) => r.text).join('; ')) },
          { header: '', cell: (t) => `<a href="${href('/browse', { tape: t.tape.id })}">browse</a>` },
        ],
        (t) => ` data-tape="${esc(t.tape.id)}"`,
      );
  return okPage(
    page({
      title: 'Tapes',
      section: '/',
      readOnly: ctx.readOnly,
      body: `<h1>Tapes</h1><p class="muted">${m.tapes} tape(s): ${m.good} good, ${m.warning} warning, ${m.critical} critical; ${formatBytes(m.usedBytes)} used of ${formatBytes(m.capacityBytes)}</p>${body}`,
    }),
  );
};

export const jobType = (j: JobView): string => `${j.mode === null ? j.type : `${j.type} ${j.mode}`}${j.span === null ? '' : ` (part ${j.span.part})`}`;

export const jobRow = (j: JobView): string => ` data-job="${esc(j.id)}" data-status="${esc(j.status)}"`;

/** One tape: what it is, its jobs, its whole history (the audit trail) and its key slots. */
export const tapePage = async (ctx: PageContext, input: string): Promise<PageResult> => {
  const id = tapeIdFromInput(input);
  if (E.isLeft(id)) return errorPage(ctx, 'Tape', id.left);
  const report = (await healthReport(ctx.app)).tapes.find((t) => t.tape.id === id.right);
  if (report === undefined) return errorPage(ctx, 'Tape', { _tag: 'TapeNotRegistered', tape: id.right });
  const tape = report.tape;
  const jobs = await listJobs(ctx.app, { tape: tape.id });
  const history = await tapeHistory(ctx.app, id.right, undefined);
  const slots = tape.encrypted ? await listKeySlots(ctx.app, id.right) : E.right([]);
  const show = tape.encrypted ? LOCKED_NAMES.open : (p: string) => p;
  const body = [
    `<h1>Tape ${esc(tape.id)} ${badge(HEALTH_TEXT[report.score.health], report.score.health)}</h1>`,
    `<p>${esc(tape.generation)} · ${fillBar(report)} · ${formatBytes(tape.usedBytes)} of ${formatBytes(tape.capacityBytes)} · ${tape.encrypted ? 'encrypted' : 'not encrypted'} · state ${esc(tape.state)} ${labelChips(report.labels)}</p>`,
    tape.description === '' ? '' : `<p>${esc(tape.description)}</p>`,
    `<p><a href="${href('/browse', { tape: tape.id })}">Browse its files</a> · <a href="${href('/jobs', { tape: tape.id })}">Its jobs</a></p>`,
    ctx.readOnly ? '' : actionForms(ctx, tape.id, tape.encrypted),
    '<h2>Jobs</h2>',
    `<div id="jobs" data-signature="${esc(await liveSignature(ctx.app))}">${jobsTable([...jobs].reverse())}</div>`,
    '<h2>Key slots</h2>',
    !tape.encrypted ? '<p class="muted">Not encrypted.</p>' : E.isLeft(slots) ? '' : table(slots.right, [
      { header: 'Slot', cell: (s) => esc(s.id) },
      { header: 'Kind', cell: (s) => esc(s.kind) },
      { header: 'Created', cell: (s) => esc(formatLocalTime(s.created)) },
      { header: 'Detail', cell: (s) => esc(`${s.detail}${s.fingerprint === null ? '' : `, ${s.fingerprint}`}`) },
    ]),
    '<h2>History</h2>',
    E.isLeft(history) ? '' : table([...history.right], [
      { header: 'Seq', cell: (e) => (e.seq === null ? esc(e.state) : String(e.seq)), num: true },
      { header: 'At', cell: (e) => esc(formatLocalTime(e.event.at, true)) },
      { header: 'Event', cell: (e) => esc(e.event.type) },
      { header: 'What', cell: (e) => esc(eventSummary(e.event.type, e.event.schema, e.event.data, show)) },
    ]),
  ].join('\n');
  return okPage(page({ title: `Tape ${tape.id}`, section: '/', readOnly: ctx.readOnly, body, script: LIVE_SCRIPT }));
};

export const jobsTable = (jobs: readonly JobView[]): string =>
  jobs.length === 0
    ? '<p class="muted">No jobs.</p>'
    : table(
        jobs,
        [
          { header: 'Job', cell: (j) => `<strong title="${esc(j.id)}">${esc(shortId(j.id))}</strong>` },
          { header: 'Tape', cell: (j) => tapeLink(j.tape) },
          { header: 'Type', cell: (j) => esc(jobType(j)) },
          { header: 'Status', cell: (j) => `${badge(j.status, j.status)}${j.status === 'RUNNING' ? ' <span class="live" data-live-tape="' + esc(j.tape) + '"></span>' : ''}` },
          { header: 'Started', nowrap: true, cell: (j) => esc(formatLocalTime(j.startedAt)) },
          { header: 'Ended', nowrap: true, cell: (j) => esc(formatLocalTime(j.endedAt)) },
          { header: 'Files', cell: (j) => String(j.files), num: true },
          { header: 'Size', cell: (j) => formatBytes(j.bytesRead), num: true },
          { header: 'Warnings', cell: (j) => (j.warnings === 0 ? '' : String(j.warnings)), num: true },
          { header: 'Reason', cell: (j) => esc(j.reason ?? '') },
        ],
        jobRow,
      );

/** Verify and label sheet: filled in by the actions part (web/actions.ts). */
const actionForms = (ctx: PageContext, tape: string, encrypted: boolean): string => {
  const csrf = `<input type="hidden" name="csrf" value="${esc(ctx.session.csrf)}"><input type="hidden" name="tape" value="${esc(tape)}">`;
  const passphrase = encrypted ? '<label>Passphrase<input type="password" name="passphrase" autocomplete="off"></label>' : '';
  return `<h2>Actions</h2><form class="inline" method="post" action="/actions/verify">${csrf}<label>Mount point (optional)<input name="mount" size="30"></label>${passphrase}<button type="submit">Verify this tape</button></form>
<form class="inline" method="post" action="/actions/labels">${csrf}<button type="submit">Label sheet (PDF)</button></form>`;
};
