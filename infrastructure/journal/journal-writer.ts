import * as fs from 'node:fs';
import * as E from 'fp-ts/Either';
import type { EventEnvelope } from '../../domain/envelope';
import { isErrno } from '../errno';
import { closeQuietly, fileFailure, fsyncDirectory, parentOf, writeAll, type FileFailure } from './durable-file';
import { LF, MAX_LINE_BYTES, encodeRecord, verifyLine, type JournalHead } from './journal-record';

export type JournalWriteError =
  /** The file system refused: see `readOnly` (write-protected) and `full` (ENOSPC). */
  | ({ readonly _tag: 'JournalWriteFailed'; readonly path: string; readonly op: 'open' | 'read' | 'write' | 'fsync' } & FileFailure)
  /** The journal does not end at `expected`: someone appended since it was read, or it is another journal. */
  | {
      readonly _tag: 'JournalHeadMismatch';
      readonly path: string;
      readonly expected: JournalHead;
      /** The last record found at the end of the file; undefined when the file is empty. */
      readonly found: JournalHead | undefined;
    }
  /** An envelope that cannot be written so that it reads back (nothing was written). */
  | { readonly _tag: 'JournalEventInvalid'; readonly index: number; readonly problems: readonly string[] };

export interface JournalAppended {
  /** The seq given to each envelope, in order. */
  readonly seqs: readonly number[];
  /** The new head: the last appended record. */
  readonly head: JournalHead;
  /** The file's size after the append: just past the head record's LF (-1 when nothing was appended). */
  readonly endOffset: number;
  /** Bytes of the head record's line, without its LF (-1 when nothing was appended). */
  readonly headLength: number;
}

/**
 * Appends `envelopes` as records after `head` (from `readJournal`, or seq 0 and the
 * label's hash for a new journal): one O_APPEND write (short counts continued), then
 * fsync; a write that fails part-way is cut back to the known end. Writes a LF first
 * when the file ends in a torn line, so the tear is healed. Refuses (`JournalHeadMismatch`)
 * when the last verifiable record at the end of the file is not `head`.
 *
 * fsync does not make data durable on LTFS: the caller requests an index sync after.
 * `headLength`, when the caller knows the head record's line length, makes the check
 * read just that line: on LTFS every append is an extent of its own, and a wider read
 * back from the end visits several, each a locate on a real drive.
 */
export const appendToJournal = (
  journalPath: string,
  head: JournalHead,
  envelopes: readonly EventEnvelope[],
  headLength?: number,
): E.Either<JournalWriteError, JournalAppended> => {
  if (envelopes.length === 0) return E.right({ seqs: [], head, endOffset: -1, headLength: -1 });
  const lines: Buffer[] = [];
  const seqs: number[] = [];
  let next = head;
  let newHeadLength = 0;
  for (const [index, envelope] of envelopes.entries()) {
    const encoded = encodeRecord(next.seq + 1, next.hash, envelope);
    if (E.isLeft(encoded)) return E.left({ _tag: 'JournalEventInvalid', index, problems: encoded.left });
    next = { seq: next.seq + 1, hash: encoded.right.hash };
    seqs.push(next.seq);
    lines.push(encoded.right.line, LF_BYTE);
    newHeadLength = encoded.right.line.length;
  }
  const created = !exists(journalPath);
  let endOffset = 0;
  let fd: number;
  try {
    // Created only to start a journal: one that should be there and is not (a mount that
    // vanished, showing the folder below it) is an error, not a new empty journal.
    fd = fs.openSync(journalPath, head.seq === 0 ? 'a+' : fs.constants.O_RDWR | fs.constants.O_APPEND);
  } catch (error) {
    return E.left(failed(journalPath, 'open', error));
  }
  try {
    let tail: Tail;
    try {
      tail = readTail(fd, headLength !== undefined && headLength > 0 ? headLength + 2 : FIRST_WINDOW);
    } catch (error) {
      return E.left(failed(journalPath, 'read', error));
    }
    if (!tailMatches(tail, head)) return E.left({ _tag: 'JournalHeadMismatch', path: journalPath, expected: head, found: tail.lastRecord });
    if (tail.size > 0 && !tail.endsWithLf) lines.unshift(LF_BYTE);
    try {
      const bytes = Buffer.concat(lines);
      writeAll(fd, bytes);
      endOffset = tail.size + bytes.length;
    } catch (error) {
      cutBackTo(fd, tail.size);
      return E.left(failed(journalPath, 'write', error));
    }
    try {
      fs.fsyncSync(fd);
    } catch (error) {
      return E.left(failed(journalPath, 'fsync', error));
    }
  } finally {
    closeQuietly(fd);
  }
  if (created) fsyncDirectory(parentOf(journalPath));
  return E.right({ seqs, head: next, endOffset, headLength: newHeadLength });
};

const LF_BYTE = Buffer.from([LF]);

/**
 * After a write that failed part-way (a full tape, a refusal after a short count), the
 * file goes back to the end it had, so the product itself never leaves a torn record.
 * Best effort: where even that fails, the next append heals the tear (a LF first) and
 * readers skip it.
 */
const cutBackTo = (fd: number, size: number): void => {
  try {
    if (fs.fstatSync(fd).size > size) fs.ftruncateSync(fd, size);
  } catch {
    // See above: the tear stays, and is healed at the next append.
  }
};

const exists = (file: string): boolean => {
  try {
    fs.statSync(file);
    return true;
  } catch (error) {
    return !isErrno(error, 'ENOENT');
  }
};

const failed = (path: string, op: 'open' | 'read' | 'write' | 'fsync', error: unknown): JournalWriteError => ({
  _tag: 'JournalWriteFailed',
  path,
  op,
  ...fileFailure(error),
});

interface Tail {
  readonly size: number;
  readonly endsWithLf: boolean;
  /** The last record that verifies among the last two lines; undefined when neither does. */
  readonly lastRecord: JournalHead | undefined;
}

/** An empty file chains from seq 0; otherwise the last verifiable record (if any) must be the head. */
const tailMatches = (tail: Tail, head: JournalHead): boolean => {
  if (tail.size === 0) return head.seq === 0;
  if (tail.lastRecord === undefined) return true;
  return tail.lastRecord.seq === head.seq && tail.lastRecord.hash === head.hash;
};

const FIRST_WINDOW = 64 * 1024;
const MAX_WINDOW = MAX_LINE_BYTES + 2;

/**
 * Reads the end of the file, back to the start of its last two lines (or as far as a
 * record may be long). Two lines, because the last one may be torn or damaged.
 */
const readTail = (fd: number, firstWindow: number): Tail => {
  const size = fs.fstatSync(fd).size;
  if (size === 0) return { size, endsWithLf: false, lastRecord: undefined };
  let width = Math.min(size, firstWindow);
  for (;;) {
    const window = Buffer.alloc(width);
    let got = 0;
    while (got < width) {
      const n = fs.readSync(fd, window, got, width - got, size - width + got);
      if (n === 0) break;
      got += n;
    }
    const endsWithLf = window[width - 1] === LF;
    const lines = lastLines(window.subarray(0, got), width === size, endsWithLf);
    // A whole last line that verifies is the last record: the line before it is not needed.
    const lastWhole = endsWithLf && lines.length === 1 ? lastVerified(lines) : undefined;
    if (lines.length >= 2 || lastWhole !== undefined || width === size || width >= MAX_WINDOW) {
      return { size, endsWithLf, lastRecord: lastVerified(lines) };
    }
    width = Math.min(size, width * 2, MAX_WINDOW);
  }
};

/** The complete lines in `window`, last first, at most two. */
const lastLines = (window: Buffer, fromStart: boolean, endsWithLf: boolean): Buffer[] => {
  const end = endsWithLf ? window.length - 1 : window.length;
  const out: Buffer[] = [];
  let stop = end;
  while (out.length < 2) {
    const nl = stop === 0 ? -1 : window.lastIndexOf(LF, stop - 1);
    if (nl === -1) {
      if (fromStart) out.push(window.subarray(0, stop));
      break;
    }
    out.push(window.subarray(nl + 1, stop));
    stop = nl;
  }
  return out;
};

const lastVerified = (lines: readonly Buffer[]): JournalHead | undefined => {
  for (const line of lines) {
    const verdict = verifyLine(line);
    if (verdict._tag === 'Record') return { seq: verdict.seq, hash: verdict.hash };
  }
  return undefined;
};
