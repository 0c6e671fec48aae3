import type { Observable, Subscription } from 'rxjs';
import { formatBytes, formatDuration } from './format';
import { JSON_SCHEMA } from '../json';
import * as E from 'fp-ts/Either';
import type { App } from '../../application/app';
import { tapeIdFromInput } from '../../application/tape-id-input';
import { progressPublisher, type ProgressPublisher } from '../../infrastructure/progress-file';

export interface ProgressSample {
  readonly label: string;
  /** What the job is doing: `scan`, `write`, `restore`, `verify` (the NDJSON line's `phase`). */
  readonly phase: string;
  readonly done: number;
  readonly total: number;
  /** What `done` and `total` count: `entries`, `files` or `segments`. */
  readonly unit: string;
  readonly bytes: number;
  readonly totalBytes: number;
}

/** How progress is shown: a bar on a terminal, NDJSON lines (`--json`), or not at all. */
export type ProgressMode = 'bar' | 'json';

const BAR = 24;
const BAR_EVERY_MS = 100;
/** NDJSON lines at most 4 a second: a log reader or a monitoring script, not an animation ($LTO_PROGRESS_MS sets another pace). */
const jsonEveryMs = (): number => {
  const given = Number(process.env['LTO_PROGRESS_MS']);
  return process.env['LTO_PROGRESS_MS'] !== undefined && Number.isFinite(given) && given >= 0 ? given : 250;
};

/** `[██████░░░░]  42%  1,234/5,000 files  1.2 GB/3.0 GB  480 MB/s  ETA 4 s`, on one rewritten line. */
const render = (s: ProgressSample, elapsedMs: number): string => {
  const fraction = s.totalBytes > 0 ? s.bytes / s.totalBytes : s.total > 0 ? s.done / s.total : 0;
  const filled = Math.round(Math.min(1, fraction) * BAR);
  const rate = elapsedMs > 0 ? (s.bytes * 1000) / elapsedMs : 0;
  const eta = rate > 0 && s.totalBytes > s.bytes ? formatDuration(((s.totalBytes - s.bytes) / rate) * 1000) : '-';
  const counts = s.total > 0 ? `${s.done}/${s.total}` : `${s.done}`;
  return `${s.label} [${'█'.repeat(filled)}${'░'.repeat(BAR - filled)}] ${(fraction * 100).toFixed(0).padStart(3)}%  ${counts}  ${formatBytes(s.bytes)}/${formatBytes(s.totalBytes)}  ${formatBytes(rate)}/s  ETA ${eta}`;
};

/** One NDJSON progress line (docs/JSON.md, "Progress"; README, "Progress"). */
export const progressLine = (s: ProgressSample, at: Date): string =>
  JSON.stringify({ schema: JSON_SCHEMA, type: 'progress', phase: s.phase, [s.unit]: s.done, [`total${s.unit.charAt(0).toUpperCase()}${s.unit.slice(1)}`]: s.total, bytes: s.bytes, totalBytes: s.totalBytes, at: at.toISOString() });

/**
 * Draws at most one sample per `everyMs`, the latest one. Throttled on the clock as the
 * samples come, not on a timer: a verify reads a segment synchronously and its samples
 * arrive while no timer can run; a sample held back is drawn at the next one or at the end.
 */
const throttled = (everyMs: number, draw: (sample: ProgressSample) => void) => {
  let last = 0;
  let held: ProgressSample | undefined;
  return {
    next: (sample: ProgressSample): void => {
      const now = Date.now();
      if (now - last >= everyMs) {
        last = now;
        held = undefined;
        draw(sample);
      } else held = sample;
    },
    flush: (): void => {
      if (held !== undefined) draw(held);
      held = undefined;
    },
  };
};

/**
 * Progress on stderr, fed by an Observable: a bar rewritten in place on a terminal (10
 * redraws a second; nothing elsewhere), or with `json` one NDJSON line per sample at most
 * 4 a second, wherever stderr goes (the summary stays alone on stdout).
 */
export const showProgress = (samples: Observable<ProgressSample>, stream: NodeJS.WriteStream, mode: ProgressMode, publish?: ProgressPublisher): (() => void) => {
  const shown = showOnStream(samples, stream, mode);
  if (publish === undefined) return shown;
  // The same samples, for `lto serve` to show live (infrastructure/progress-file.ts).
  const published = samples.subscribe(({ phase, unit, done, total, bytes, totalBytes }) => publish.next({ phase, unit, done, total, bytes, totalBytes }));
  return () => {
    published.unsubscribe();
    publish.end();
    shown();
  };
};

const showOnStream = (samples: Observable<ProgressSample>, stream: NodeJS.WriteStream, mode: ProgressMode): (() => void) => {
  if (mode === 'json') {
    const lines = throttled(jsonEveryMs(), (sample) => stream.write(`${progressLine(sample, new Date())}\n`));
    const subscription: Subscription = samples.subscribe((sample) => lines.next(sample));
    return () => {
      subscription.unsubscribe();
      lines.flush();
    };
  }
  if (stream.isTTY !== true) return () => undefined;
  const started = Date.now();
  let drawn = false;
  const bar = throttled(BAR_EVERY_MS, (sample) => {
    const line = render(sample, Date.now() - started).slice(0, (stream.columns ?? 100) - 1);
    stream.write(`\r\u001b[2K${line}`);
    drawn = true;
  });
  const subscription: Subscription = samples.subscribe((sample) => bar.next(sample));
  return () => {
    subscription.unsubscribe();
    if (drawn) stream.write('\r\u001b[2K');
  };
};

/** Where a job on this tape publishes its progress for `lto serve` (the data folder; the tape id as the catalog spells it). */
export const publisherFor = (app: Pick<App, 'dataDir'>, tapeInput: string): ProgressPublisher => {
  const tape = tapeIdFromInput(tapeInput);
  // A tape id that does not parse names no file (the job refuses it anyway): never a path from raw input.
  return E.isRight(tape) ? progressPublisher(app.dataDir, tape.right) : { next: () => undefined, end: () => undefined };
};
