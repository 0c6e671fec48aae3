import type { App } from '../application/app';
import { listJobs } from '../application/list-jobs';
import { readProgress, type JobProgress } from '../infrastructure/progress-file';

/**
 * Live progress: every quarter of a second the server sends the running jobs (from the
 * catalog, whichever process runs them) and their latest progress (the files jobs
 * publish, infrastructure/progress-file.ts) as one Server-Sent Event.
 */

export interface LiveState {
  /** Changes when a job starts or ends: the page reloads then (it holds the one it was drawn with). */
  readonly signature: string;
  readonly running: readonly { readonly job: string; readonly tape: string; readonly type: string }[];
  readonly progress: readonly JobProgress[];
}

export const liveSignature = async (app: App): Promise<string> => {
  const jobs = await listJobs(app, {});
  return `${jobs.length}:${jobs.filter((j) => j.status === 'RUNNING').map((j) => j.id).join(',')}`;
};

export const liveState = async (app: App): Promise<LiveState> => ({
  signature: await liveSignature(app),
  running: (await listJobs(app, { status: 'RUNNING' })).map((j) => ({ job: j.id, tape: j.tape, type: j.type })),
  progress: readProgress(app.dataDir),
});

export const LIVE_EVERY_MS = 250;

/**
 * The page's side: fills each running job's `.live` cell with its progress, and reloads
 * the page when a job started or ended since it was drawn (`data-signature`), so the table's
 * status and totals are the catalog's.
 */
export const LIVE_SCRIPT = `
(() => {
  const fmt = (n) => { const u = ['B','KB','MB','GB','TB']; let i = 0; while (n >= 1000 && i < u.length - 1) { n /= 1000; i++; } return (i === 0 ? n : n.toFixed(1)) + ' ' + u[i]; };
  const source = new EventSource('/live');
  const drawn = document.querySelector('[data-signature]');
  source.onmessage = (message) => {
    const state = JSON.parse(message.data);
    if (drawn && drawn.dataset.signature !== state.signature) { source.close(); location.reload(); return; }
    for (const cell of document.querySelectorAll('[data-live-tape]')) {
      const p = state.progress.find((x) => x.tape === cell.dataset.liveTape);
      if (!p) { cell.textContent = ''; continue; }
      const fraction = p.totalBytes > 0 ? p.bytes / p.totalBytes : p.total > 0 ? p.done / p.total : 0;
      cell.innerHTML = '';
      const bar = document.createElement('progress');
      bar.max = 1; bar.value = Math.min(1, fraction);
      const text = document.createElement('span');
      text.className = 'live-text';
      text.textContent = ' ' + p.phase + ' ' + Math.round(fraction * 100) + '% ' + p.done + (p.total > 0 ? '/' + p.total : '') + ' ' + p.unit + ', ' + fmt(p.bytes) + ' of ' + fmt(p.totalBytes);
      cell.append(bar, text);
    }
  };
})();
`;
