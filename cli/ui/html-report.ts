import type { HealthReport, TapeHealth } from '../../application/report';
import type { Health } from '../../domain/health';
import { formatBytes, formatLocalTime } from './format';
import { copyFlagText, unreadableText } from './report-view';

const escape = (s: string): string =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);

const COLOURS: Readonly<Record<Health, string>> = { good: '#1a7f37', warning: '#b35900', critical: '#c62828' };
const LABEL: Readonly<Record<Health, string>> = { good: 'Good', warning: 'Warning', critical: 'Critical' };

const CSS = `
  :root { --fg: #1f2328; --muted: #59636e; --line: #d1d9e0; --bg: #f6f8fa; --card: #fff; }
  * { box-sizing: border-box; }
  body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; color: var(--fg); background: var(--bg); }
  main { max-width: 1260px; margin: 0 auto; padding: 28px 24px 40px; }
  header h1 { margin: 0; font-size: 22px; font-weight: 650; }
  header p { margin: 4px 0 0; color: var(--muted); }
  .cards { display: grid; grid-template-columns: repeat(5, minmax(0, 1fr)); gap: 12px; margin: 22px 0; }
  .card { background: var(--card); border: 1px solid var(--line); border-radius: 10px; padding: 14px 16px; }
  .card .n { font-size: 26px; font-weight: 700; font-variant-numeric: tabular-nums; }
  .card .k { color: var(--muted); font-size: 12px; text-transform: uppercase; letter-spacing: .04em; }
  .card.good .n { color: ${COLOURS.good}; } .card.warning .n { color: ${COLOURS.warning}; } .card.critical .n { color: ${COLOURS.critical}; }
  table { width: 100%; border-collapse: separate; border-spacing: 0; background: var(--card); border: 1px solid var(--line); border-radius: 10px; overflow: hidden; }
  th { text-align: left; font-size: 12px; text-transform: uppercase; letter-spacing: .04em; color: var(--muted); background: #f0f3f6; padding: 10px 12px; border-bottom: 1px solid var(--line); }
  td { padding: 12px; border-bottom: 1px solid var(--line); vertical-align: top; }
  tr:last-child td { border-bottom: 0; }
  .id { font: 600 15px/1.2 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
  .desc { color: var(--muted); margin-top: 2px; }
  .chip { display: inline-block; margin: 6px 4px 0 0; padding: 1px 8px; border-radius: 999px; font-size: 12px; color: #fff; }
  .badge { display: inline-block; padding: 2px 10px; border-radius: 999px; font-weight: 650; font-size: 12px; color: #fff; }
  .bar { width: 140px; height: 10px; background: #e6eaef; border-radius: 5px; overflow: hidden; margin-top: 6px; }
  .bar > span { display: block; height: 100%; border-radius: 5px; }
  .num { font-variant-numeric: tabular-nums; white-space: nowrap; }
  .muted { color: var(--muted); }
  ul.reasons { margin: 0; padding-left: 16px; }
  ul.reasons li.critical { color: ${COLOURS.critical}; } ul.reasons li.warning { color: ${COLOURS.warning}; }
  .place { color: var(--muted); font-size: 12px; margin-top: 2px; }
  .flag { background: #fff4e5; border: 1px solid ${COLOURS.warning}; color: ${COLOURS.warning}; border-radius: 10px; padding: 10px 14px; margin: 0 0 12px; }
  footer { margin-top: 18px; color: var(--muted); font-size: 12px; }
  /* A narrow window (a phone, a side panel, 700 px): the summary in fewer columns and each tape a card of labelled lines. */
  @media (max-width: 820px) {
    main { padding: 18px 12px 28px; }
    .cards { grid-template-columns: repeat(4, minmax(0, 1fr)); }
    .card:last-child { grid-column: span 4; }
    table, tbody, tr, td { display: block; width: 100%; }
    thead { display: none; }
    tr { border-bottom: 1px solid var(--line); padding: 8px 0; }
    tr:last-child { border-bottom: 0; }
    td { border: 0; padding: 4px 14px; display: grid; grid-template-columns: 110px 1fr; gap: 8px; }
    td > * { justify-self: start; }
    td::before { content: attr(data-label); color: var(--muted); font-size: 12px; text-transform: uppercase; letter-spacing: .04em; padding-top: 2px; }
    td.tape { display: block; }
    td.tape::before { content: none; }
    .bar { width: 100%; max-width: 240px; }
  }
`;

const usageColour = (usage: number): string => (usage > 0.95 ? COLOURS.critical : usage > 0.8 ? COLOURS.warning : '#0969da');
const pct = (f: number): string => `${(100 * f).toFixed(1)}%`;
const daysAgo = (n: number | null): string => (n === null || n === 0 ? 'today' : n === 1 ? 'yesterday' : `${n} days ago`);

const row = (t: TapeHealth): string => {
  const s = t.score;
  const labels = t.labels.map((l) => `<span class="chip" style="background:${escape(l.color)}">${escape(l.name)}</span>`).join('');
  const verify =
    t.lastVerify === null
      ? '<span class="muted">never verified</span>'
      : `${escape(t.lastVerify.status.toLowerCase())}<div class="muted">${daysAgo(s.lastVerifyAgeDays)}</div>`;
  const backups =
    t.backups.finished === 0
      ? '<span class="muted">none yet</span>'
      : `${t.backups.succeeded} of ${t.backups.finished} ok${t.backups.partial > 0 ? `, ${t.backups.partial} partial` : ''}<div class="muted">${s.successRate === null ? 'no complete backup yet' : `${pct(s.successRate)} success`}</div>`;
  const lastBackup =
    t.lastBackupAt === null ? '<span class="muted">never</span>' : `${escape(formatLocalTime(t.lastBackupAt))}<div class="muted">${daysAgo(s.daysSinceLastBackup)}</div>`;
  const reasons = s.reasons.length === 0 ? '<span class="muted">—</span>' : `<ul class="reasons">${s.reasons.map((r) => `<li class="${r.level}">${escape(r.text)}</li>`).join('')}</ul>`;
  const newest = t.content.newestBackup;
  const newestLine = newest === null ? '' : `<div class="muted">newest ${escape(formatLocalTime(newest.at))}${newest.status === 'SUCCESS' ? '' : ` (${escape(newest.status.toLowerCase())})`}</div>`;
  const content = `<div>${t.content.files.toLocaleString('en')} files · ${escape(formatBytes(t.content.bytes))}${newestLine}</div>`;
  const width = Math.min(100, Math.max(0, 100 * s.usage)).toFixed(1);
  return `<tr data-tape="${escape(t.tape.id)}" data-health="${s.health}">
  <td class="tape"><div class="id">${escape(t.tape.id)}</div><div class="desc">${escape(t.tape.description === '' ? `${t.tape.generation}` : `${t.tape.generation} · ${t.tape.description}`)}${t.tape.encrypted ? ' · encrypted' : ''}</div>${place(t)}${labels}</td>
  <td data-label="Health"><span class="badge" style="background:${COLOURS[s.health]}">${LABEL[s.health]}</span></td>
  <td class="num" data-label="Usage"><div>${pct(s.usage)} <span class="muted">· ${escape(formatBytes(t.tape.usedBytes))} of ${escape(formatBytes(t.tape.capacityBytes))}</span>
    <div class="bar" role="meter" aria-valuenow="${width}" aria-valuemin="0" aria-valuemax="100"><span style="width:${width}%;background:${usageColour(s.usage)}"></span></div></div></td>
  <td class="num" data-label="Content">${content}</td>
  <td data-label="Last verify"><div>${verify}</div></td>
  <td class="num" data-label="Backups"><div>${backups}</div></td>
  <td class="num" data-label="Last backup"><div>${lastBackup}</div></td>
  <td data-label="Notes"><div>${reasons}</div></td>
</tr>`;
};

/** The tape's set and where it is kept. */
const place = (t: TapeHealth): string =>
  `<div class="place" data-location="${escape(t.location)}" data-state="${escape(t.tape.state)}">${t.set === null ? '' : `set ${escape(t.set)} · `}${escape(t.location)}${t.tape.state === 'ACTIVE' ? '' : ` · ${escape(t.tape.state.toLowerCase())}`}</div>`;

/** A set whose tapes all sit in one place is flagged above the tapes. */
const setWarnings = (r: HealthReport): string =>
  r.sets
    .filter((x) => x.onePlace)
    .map((x) => `<p class="flag" data-set="${escape(x.set)}">Set ${escape(x.set)}: all ${x.tapes} tapes are in one place (${escape(x.locations[0] ?? '')}). One fire or flood takes them all.</p>`)
    .concat(r.tapes.flatMap((t) => t.copyFlags).map((f) => `<p class="flag" data-job="${escape(f.job)}" data-problem="${f.problem}">${escape(copyFlagText(f))}</p>`))
    .concat(r.unreadable.map((u) => `<p class="flag" data-unreadable="${escape(u.tape)}">${escape(unreadableText(u))}</p>`))
    .join('\n');

/** One self-contained page (inline CSS, no script, no external resource): summary first, then a row per tape. */
export const renderHtmlReport = (r: HealthReport): string => {
  const m = r.summary;
  const card = (cls: string, n: string, k: string) => `<div class="card ${cls}"><div class="n">${n}</div><div class="k">${k}</div></div>`;
  const used = m.capacityBytes === 0 ? 0 : m.usedBytes / m.capacityBytes;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Tape health report</title>
<style>${CSS}</style>
</head>
<body>
<main>
<header><h1>Tape health report</h1><p>lto-archive · generated ${escape(formatLocalTime(r.generatedAt))}</p></header>
<section class="cards" aria-label="summary">
${card('', String(m.tapes), 'tapes')}
${card('good', String(m.good), 'good')}
${card('warning', String(m.warning), 'warning')}
${card('critical', String(m.critical), 'critical')}
${card('', pct(used), `used · ${escape(formatBytes(m.usedBytes))} of ${escape(formatBytes(m.capacityBytes))}`)}
</section>
${setWarnings(r)}
${
  r.tapes.length === 0
    ? '<p class="muted">No tapes in the catalog yet.</p>'
    : `<table>
<thead><tr><th>Tape</th><th>Health</th><th>Usage</th><th>Content</th><th>Last verify</th><th>Backups</th><th>Last backup</th><th>Notes</th></tr></thead>
<tbody>
${r.tapes.map(row).join('\n')}
</tbody>
</table>`
}
<footer>Critical: over 95% full, last verify failed, or under 60% of backups succeeded. Warning: over 80% full, no backup for 30 days, under 80% of backups succeeded, or never verified.</footer>
</main>
</body>
</html>
`;
};
