import * as fs from 'node:fs';
import * as path from 'node:path';
import { errnoCode } from '../errno';
import { ioPathFor, readAheadFor } from '../io-path/io-paths';
import type { RestoreEntry, RestoreProblem } from './restore-writer';
import { PlainSegment, SealedSegment, type SegmentKeys, type SegmentSource } from './segment-source';

/** Segments open at once: reads may be in flight on the last few; the oldest closes past this. */
const KEEP_OPEN = 8;

/**
 * The segments a restore reads, kept open while reads may be in flight on them (a
 * sealed one with its decrypting thread); `bytesRead` counts what was taken from the
 * tape by those already closed.
 */
export class OpenSegments {
  private readonly segments = new Map<string, SegmentSource>();
  private closedBytes = 0;

  constructor(private readonly keys: SegmentKeys | undefined) {}

  /** Bytes taken from the tape by segments already closed. */
  get bytesRead(): number {
    return this.closedBytes;
  }

  /** The segment file at `key`, opened if it is not; why not, as `entry`'s problem. */
  open(key: string, entry: RestoreEntry): SegmentSource | RestoreProblem {
    const open = this.segments.get(key);
    if (open !== undefined) return open;
    try {
      const fd = fs.openSync(key, 'r');
      const source = this.keys === undefined ? new PlainSegment(fd, readAheadFor(key)) : new SealedSegment(fd, this.keys, ioPathFor(path.dirname(key)).readDirect);
      this.segments.set(key, source);
      if (this.segments.size > KEEP_OPEN) {
        const [oldestKey, oldest] = this.segments.entries().next().value ?? [];
        if (oldestKey !== undefined && oldest !== undefined) {
          this.segments.delete(oldestKey);
          this.close(oldest);
        }
      }
      return source;
    } catch (error) {
      return { path: entry.path, kind: 'missing', reason: `segment ${entry.segment} of job ${entry.job} cannot be opened (${errnoCode(error)})` };
    }
  }

  closeAll(): void {
    for (const source of this.segments.values()) this.close(source);
    this.segments.clear();
  }

  private close(source: SegmentSource): void {
    this.closedBytes += source.bytesRead;
    source.close();
  }
}

export const isSource = (value: SegmentSource | RestoreProblem): value is SegmentSource => 'read' in value;
