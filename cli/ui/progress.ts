import { auditTime, type Observable, type Subscription } from 'rxjs';
import { formatBytes, formatDuration } from './format';

export interface ProgressSample {
  readonly label: string;
  readonly done: number;
  readonly total: number;
  readonly bytes: number;
  readonly totalBytes: number;
}

const BAR = 24;

/** `[██████░░░░]  42%  1,234/5,000 files  1.2 GB/3.0 GB  480 MB/s  ETA 4 s`, on one rewritten line. */
const render = (s: ProgressSample, elapsedMs: number): string => {
  const fraction = s.totalBytes > 0 ? s.bytes / s.totalBytes : s.total > 0 ? s.done / s.total : 0;
  const filled = Math.round(Math.min(1, fraction) * BAR);
  const rate = elapsedMs > 0 ? (s.bytes * 1000) / elapsedMs : 0;
  const eta = rate > 0 && s.totalBytes > s.bytes ? formatDuration(((s.totalBytes - s.bytes) / rate) * 1000) : '-';
  const counts = s.total > 0 ? `${s.done}/${s.total}` : `${s.done}`;
  return `${s.label} [${'█'.repeat(filled)}${'░'.repeat(BAR - filled)}] ${(fraction * 100).toFixed(0).padStart(3)}%  ${counts}  ${formatBytes(s.bytes)}/${formatBytes(s.totalBytes)}  ${formatBytes(rate)}/s  ETA ${eta}`;
};

/**
 * A progress bar on stderr, fed by an Observable and throttled to 10 redraws a second.
 * Only on a terminal: elsewhere (pipes, CI, --json) it draws nothing.
 */
export const showProgress = (samples: Observable<ProgressSample>, stream: NodeJS.WriteStream, enabled: boolean): (() => void) => {
  if (!enabled || stream.isTTY !== true) return () => undefined;
  const started = Date.now();
  let drawn = false;
  const subscription: Subscription = samples.pipe(auditTime(100)).subscribe((sample) => {
    const line = render(sample, Date.now() - started).slice(0, (stream.columns ?? 100) - 1);
    stream.write(`\r\u001b[2K${line}`);
    drawn = true;
  });
  return () => {
    subscription.unsubscribe();
    if (drawn) stream.write('\r\u001b[2K');
  };
};
