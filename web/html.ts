import { displayName } from '../domain/name-bytes';

/**
 * Every page is built here as text: whatever comes from the catalog (names may hold any
 * bytes: docs/FORMAT.md, Names) passes through `esc` or `name`, never into markup raw.
 */

const ENTITIES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export const esc = (text: string): string => text.replace(/[&<>"']/g, (c) => ENTITIES[c] ?? c);

/** A catalogued name or path as a person reads it (the CLI's form: `\xff`, `\n`), escaped. */
export const name = (text: string): string => esc(displayName(text));

/** A link inside the catalog: the query built by URLSearchParams (a name's NUL escape travels as %00). */
export const href = (path: string, query: Readonly<Record<string, string | number | undefined>> = {}): string => {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) if (value !== undefined && value !== '') params.set(key, String(value));
  const text = params.toString();
  return esc(text === '' ? path : `${path}?${text}`);
};

/** Markup already escaped: what page pieces hand each other. */
export interface Html {
  readonly html: string;
}

const NAV: readonly (readonly [string, string])[] = [
  ['/', 'Tapes'],
  ['/search', 'Search'],
  ['/jobs', 'Jobs'],
  ['/report', 'Report'],
];

const STYLE = `
:root{--fg:#1f2328;--muted:#656d76;--line:#d0d7de;--bg:#f6f8fa;--good:#1a7f37;--warn:#9a6700;--crit:#c62828;--link:#0969da}
*{box-sizing:border-box}body{margin:0;font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;color:var(--fg);background:#fff}
header{display:flex;gap:18px;align-items:center;padding:10px 20px;background:#24292f;color:#fff}
header a{color:#fff;text-decoration:none;font-weight:500}header a.here{text-decoration:underline}
header .brand{font-weight:700;margin-right:12px}header .mode{margin-left:auto;font-size:12px;opacity:.8}
main{padding:16px 20px;max-width:1400px}h1{font-size:20px;margin:4px 0 12px}h2{font-size:16px;margin:20px 0 8px}
a{color:var(--link)}table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:5px 8px;border-bottom:1px solid var(--line);vertical-align:top}
th{background:var(--bg);font-weight:600;font-size:12px;text-transform:uppercase;color:var(--muted)}td.num,th.num{text-align:right;white-space:nowrap}td.nowrap{white-space:nowrap}
.badge{display:inline-block;padding:1px 8px;border-radius:10px;color:#fff;font-size:12px;font-weight:600}
.badge.good,.badge.SUCCESS{background:var(--good)}.badge.warning,.badge.INTERRUPTED{background:var(--warn)}.badge.critical,.badge.FAILED{background:var(--crit)}.badge.RUNNING{background:var(--link)}
.bar{display:inline-block;width:70px;height:10px;background:#eaeef2;border-radius:5px;overflow:hidden;vertical-align:middle}.bar span{display:block;height:100%;background:var(--good)}
.bar.warning span{background:var(--warn)}.bar.critical span{background:var(--crit)}
.chip{display:inline-block;padding:0 7px;margin-right:4px;border:1px solid var(--line);border-radius:10px;font-size:12px}
.muted{color:var(--muted)}.crumbs{margin-bottom:10px}.crumbs a,.crumbs span{margin-right:4px}
form.inline{display:flex;gap:8px;flex-wrap:wrap;align-items:end;margin-bottom:12px}label{font-size:12px;color:var(--muted);display:flex;flex-direction:column;gap:2px}
input,select,button{font:inherit;padding:4px 8px}button{cursor:pointer}.error{padding:10px 14px;background:#ffebe9;border:1px solid #ff8182;border-radius:6px}
.notice{padding:8px 12px;background:#fff8c5;border:1px solid #d4a72c;border-radius:6px;margin-bottom:10px}
.pager{margin:10px 0;display:flex;gap:12px;align-items:center}.locked{color:var(--warn);font-weight:600}
progress{width:160px;vertical-align:middle}
`;

export interface PageOptions {
  readonly title: string;
  /** The path of the menu entry this page belongs to. */
  readonly section: string;
  readonly readOnly: boolean;
  readonly body: string;
  /** Scripts of this page (inline; the server serves nothing else). */
  readonly script?: string;
}

export const page = (o: PageOptions): string => `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(o.title)} · lto</title><style>${STYLE}</style></head>
<body><header><span class="brand">lto archive</span>${NAV.map(([path, label]) => `<a href="${path}"${path === o.section ? ' class="here"' : ''}>${label}</a>`).join('')}<span class="mode">${o.readOnly ? 'read-only' : ''}</span></header>
<main>${o.body}</main>${o.script === undefined ? '' : `<script>${o.script}</script>`}</body></html>`;

export interface Column<A> {
  readonly header: string;
  readonly cell: (row: A) => string;
  /** Right-aligned, on one line (numbers, sizes). */
  readonly num?: boolean;
  /** On one line (dates, bars). */
  readonly nowrap?: boolean;
}

const cellClass = <A>(c: Column<A>): string => (c.num === true ? ' class="num"' : c.nowrap === true ? ' class="nowrap"' : '');

export const table = <A>(rows: readonly A[], columns: readonly Column<A>[], rowAttrs: (row: A) => string = () => ''): string =>
  `<table><thead><tr>${columns.map((c) => `<th${cellClass(c)}>${esc(c.header)}</th>`).join('')}</tr></thead><tbody>${rows
    .map((r) => `<tr${rowAttrs(r)}>${columns.map((c) => `<td${cellClass(c)}>${c.cell(r)}</td>`).join('')}</tr>`)
    .join('\n')}</tbody></table>`;

export const badge = (text: string, cls: string): string => `<span class="badge ${esc(cls)}">${esc(text)}</span>`;

export const errorBox = (message: string): string => `<p class="error" role="alert">${esc(message)}</p>`;
