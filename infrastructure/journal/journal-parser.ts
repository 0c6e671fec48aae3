import type { EventEnvelope } from '../../domain/envelope';
import { MAX_LINE_BYTES, verifyLine, type JournalHead, type LineVerdict } from './journal-record';

/** How a record is damaged or misplaced. */
export type JournalBreakKind = 'undecodable' | 'checksum' | 'seq-gap' | 'seq-out-of-order' | 'chain' | 'invalid-envelope';

/**
 * Where the journal stops being a chain. `record` is the seq that belongs at that
 * place: the damaged record's, the first missing one's, the one a stray line stands in for.
 */
export interface JournalBreak {
  readonly _tag: 'JournalBreak';
  readonly record: number;
  /** 1-based line number in journal.ndjson. */
  readonly line: number;
  readonly byteOffset: number;
  readonly kind: JournalBreakKind;
  readonly detail: string;
}

/** One valid record: its event and where its line is. */
export interface JournalRecord {
  readonly seq: number;
  readonly event: EventEnvelope;
  readonly line: number;
  readonly byteOffset: number;
  /** SHA-256 of the line: the next record's `prev`. */
  readonly hash: string;
  /** Bytes of the line, without its LF. */
  readonly length: number;
}

/**
 * Where a reader stopped: just after the LF of the head record. A later read can resume
 * there (the head line's bytes are checked first) instead of parsing the whole journal.
 */
export interface JournalCursor {
  readonly byteOffset: number;
  /** The line number the next line has. */
  readonly line: number;
  readonly head: JournalHead;
  /** Bytes of the head line, without its LF (0 when the head is the label). */
  readonly headLength: number;
}

/** A last line without LF that does not verify: an append cut short. Ignored, not a break. */
export interface TornTail {
  /** The seq the cut record would have had. */
  readonly record: number;
  readonly line: number;
  readonly byteOffset: number;
  readonly length: number;
}

/**
 * Torn lines that a later append closed with a LF and continued after (the chain
 * skips them): usually one line; consecutive ones are reported together.
 */
export interface HealedTear {
  /** The seq of the record that continues the chain after them. */
  readonly record: number;
  /** The first torn line and its offset. */
  readonly line: number;
  readonly byteOffset: number;
  /** Bytes from the first torn line to the end of the last, without its LF. */
  readonly length: number;
  readonly lines: number;
}

export interface JournalReadOptions {
  /** Skip damaged records and go on with the ones after them (default: stop at the first break). */
  readonly salvage?: boolean;
  /** Start at a cursor of an earlier read (the records before it are not read again). */
  readonly resumeAt?: JournalCursor;
  /** Called with records as they are read, in order (they are then left out of the result's `records`). */
  readonly onRecords?: (records: readonly JournalRecord[]) => void;
}

export interface JournalReadResult {
  /** False when there is no journal file (a tape labelled but never journalled). */
  readonly exists: boolean;
  readonly records: readonly JournalRecord[];
  /** The last valid record (seq 0 and the label's hash when there is none): where the next append chains. */
  readonly head: JournalHead;
  readonly tornTail: TornTail | undefined;
  /** The last record is complete but its LF is missing (the next append writes it first). */
  readonly unterminated: boolean;
  readonly breaks: readonly JournalBreak[];
  readonly healedTears: readonly HealedTear[];
  /** No break: every record from 1 to head.seq is there and chained (or, in salvage mode, nothing was skipped). */
  readonly complete: boolean;
  /** Where to resume next time; undefined when the journal ends in something unsettled (a torn or unterminated line). */
  readonly cursor: JournalCursor | undefined;
}

interface Place {
  readonly line: number;
  readonly byteOffset: number;
  readonly length: number;
  readonly terminated: boolean;
}
type Verified = Place & Extract<LineVerdict, { _tag: 'Record' }>;
type Unverified = Place & { readonly kind: 'undecodable' | 'checksum'; readonly detail: string };
/** Consecutive unverifiable lines, held as their first, last and count (never one object per line). */
interface Run {
  readonly first: Unverified;
  last: Unverified;
  count: number;
}

const short = (hash: string): string => `${hash.slice(0, 12)}...`;
const span = (from: number, to: number): string => (from === to ? `record ${from}` : `records ${from} to ${to}`);

/**
 * The journal as a chain, one line at a time (pure: no I/O). Lines come in file order;
 * an unterminated line may only be the last. Decisions wait one line where the next
 * line tells them apart: an unverifiable line is a healed tear when the next record
 * continues the chain, a break otherwise; a record ahead of its place is out of order
 * when the missing one follows it, a gap otherwise.
 */
export class JournalParser {
  private readonly salvage: boolean;
  private last: JournalHead;
  private readonly records: JournalRecord[] = [];
  private readonly breaks: JournalBreak[] = [];
  private readonly healed: HealedTear[] = [];
  /** Unverifiable LF-terminated lines since the last record. */
  private run: Run | undefined;
  /** A record whose seq is past the next one, waiting for the line after it. */
  private ahead: Verified | undefined;
  private torn: Unverified | undefined;
  private unterminated = false;
  private stopped = false;

  private cursor: JournalCursor | undefined;

  constructor(labelHash: string, options: JournalReadOptions = {}) {
    this.cursor = options.resumeAt ?? { byteOffset: 0, line: 1, head: { seq: 0, hash: labelHash }, headLength: 0 };
    this.last = this.cursor.head;
    this.salvage = options.salvage === true;
  }

  /** True once a break ended a non-salvage read: further lines are ignored. */
  get done(): boolean {
    return this.stopped;
  }

  /** One line, without its LF; `terminated` is false only for a last line with no LF. */
  push(line: Buffer, lineNumber: number, byteOffset: number, terminated = true): void {
    if (this.stopped) return;
    const place: Place = { line: lineNumber, byteOffset, length: line.length, terminated };
    const verdict = verifyLine(line);
    if (verdict._tag === 'Record') this.onRecord({ ...place, ...verdict });
    else this.onUnverified({ ...place, kind: verdict.kind, detail: verdict.detail });
  }

  /** A line longer than a record may be, seen but not kept. */
  pushOversized(lineNumber: number, byteOffset: number, length: number, terminated = true): void {
    if (this.stopped) return;
    const detail = `line of ${length} bytes is longer than the ${MAX_LINE_BYTES} a record may have`;
    this.onUnverified({ line: lineNumber, byteOffset, length, terminated, kind: 'undecodable', detail });
  }

  /**
   * Hands over the records settled so far and forgets them (a reader that imports as
   * it goes keeps memory flat however long the journal is); `finish` returns only
   * those after the last drain.
   */
  drain(): JournalRecord[] {
    return this.records.splice(0);
  }

  finish(): JournalReadResult {
    const ahead = this.takeAhead();
    if (!this.stopped && ahead !== undefined) this.gap(ahead);
    const run = this.takeRun();
    if (!this.stopped && run !== undefined) this.reportRun(run, 'at the end of the journal');
    const tornTail =
      !this.stopped && this.torn !== undefined
        ? { record: this.last.seq + 1, line: this.torn.line, byteOffset: this.torn.byteOffset, length: this.torn.length }
        : undefined;
    return {
      exists: true,
      records: this.records,
      head: this.last,
      tornTail,
      unterminated: this.unterminated && !this.stopped,
      breaks: this.breaks,
      healedTears: this.healed,
      complete: this.breaks.length === 0,
      cursor: this.stopped || tornTail !== undefined || this.unterminated || this.breaks.length > 0 ? undefined : this.cursor,
    };
  }

  private onUnverified(u: Unverified): void {
    const ahead = this.takeAhead();
    if (ahead !== undefined) this.gap(ahead);
    if (this.stopped) return;
    if (!u.terminated) this.torn = u;
    else if (this.run === undefined) this.run = { first: u, last: u, count: 1 };
    else {
      this.run.last = u;
      this.run.count += 1;
    }
  }

  private onRecord(r: Verified): void {
    if (!r.terminated) this.unterminated = true;
    const a = this.takeAhead();
    if (a !== undefined) {
      const expected = this.last.seq + 1;
      if (r.seq === expected) {
        this.fail(a, 'seq-out-of-order', expected, `line ${a.line} holds record ${a.seq} where record ${expected} belongs (record ${expected} follows at line ${r.line})`);
        if (this.stopped) return;
        this.place(r);
        if (!this.stopped) this.place(a);
        return;
      }
      this.gap(a);
      if (this.stopped) return;
    }
    const run = this.takeRun();
    if (run !== undefined) this.afterRun(run, r);
    else this.place(r);
  }

  /** A record after unverifiable lines: a healed tear if it continues the chain, else the lines are a break. */
  private afterRun(run: Run, r: Verified): void {
    const expected = this.last.seq + 1;
    if (r.seq === expected && r.prev === this.last.hash) {
      const { first, last, count } = run;
      this.healed.push({ record: expected, line: first.line, byteOffset: first.byteOffset, length: last.byteOffset + last.length - first.byteOffset, lines: count });
      this.accept(r);
      return;
    }
    this.reportRun(run, r.seq > expected ? `${span(expected, r.seq - 1)} lost; record ${r.seq} follows at line ${r.line}` : `record ${r.seq} follows at line ${r.line}`);
    if (this.stopped) return;
    if (r.seq > expected) this.accept(r);
    else this.place(r);
  }

  private reportRun({ first, last, count }: Run, context: string): void {
    const lines = count === 1 ? `line ${first.line}` : `lines ${first.line} to ${last.line}`;
    this.fail(first, first.kind, this.last.seq + 1, `${lines}: ${first.detail} (${context})`);
  }

  /** A verified record with nothing pending before it. */
  private place(r: Verified): void {
    const expected = this.last.seq + 1;
    if (r.seq === expected) {
      if (r.prev === this.last.hash) {
        this.accept(r);
        return;
      }
      const after = this.last.seq === 0 ? 'the hash of volume.json' : `the hash of record ${this.last.seq}`;
      this.fail(r, 'chain', expected, `record ${r.seq} has prev ${short(r.prev)}, not ${after} (${short(this.last.hash)})`);
      if (!this.stopped) this.accept(r);
      return;
    }
    if (r.seq > expected) {
      this.ahead = r;
      return;
    }
    this.fail(r, 'seq-out-of-order', expected, `line ${r.line} holds record ${r.seq} where record ${expected} belongs`);
  }

  /** A record past its place with no sign of the missing ones: a gap; salvage goes on from it. */
  private gap(a: Verified): void {
    const expected = this.last.seq + 1;
    this.fail(a, 'seq-gap', expected, `${span(expected, a.seq - 1)} missing: line ${a.line} holds record ${a.seq}`);
    if (!this.stopped) this.accept(a);
  }

  /** Makes `r` the head; an event that is not an envelope is a break but still carries the chain. */
  private accept(r: Verified): void {
    if (r.event.ok) {
      this.records.push({ seq: r.seq, event: r.event.envelope, line: r.line, byteOffset: r.byteOffset, hash: r.hash, length: r.length });
    } else {
      this.fail(r, 'invalid-envelope', r.seq, `record ${r.seq}: the event is not an envelope: ${r.event.problems.join('; ')}`);
      if (this.stopped) return;
    }
    this.last = { seq: r.seq, hash: r.hash };
    if (r.terminated) this.cursor = { byteOffset: r.byteOffset + r.length + 1, line: r.line + 1, head: this.last, headLength: r.length };
  }

  private fail(at: Place, kind: JournalBreakKind, record: number, detail: string): void {
    this.breaks.push({ _tag: 'JournalBreak', record, line: at.line, byteOffset: at.byteOffset, kind, detail });
    if (!this.salvage) this.stopped = true;
  }

  private takeAhead(): Verified | undefined {
    const a = this.ahead;
    this.ahead = undefined;
    return a;
  }

  private takeRun(): Run | undefined {
    const run = this.run;
    this.run = undefined;
    return run;
  }
}
