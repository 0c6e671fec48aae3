import * as fs from 'node:fs';
import * as E from 'fp-ts/Either';
import { errnoCode, errorMessage, isErrno } from '../errno';
import { JournalParser, type JournalCursor, type JournalReadOptions, type JournalReadResult, type JournalRecord } from './journal-parser';
import { closeQuietly } from './durable-file';
import { sha256Hex } from './journal-record';
import { LineSplitter } from './line-splitter';

/** The journal file could not be read (not its content: that is reported in the result). */
export interface JournalUnreadable {
  readonly _tag: 'JournalUnreadable';
  readonly path: string;
  readonly code: string;
  readonly message: string;
}

const CHUNK_BYTES = 1024 * 1024;

const splitterInto = (parser: JournalParser, options: JournalReadOptions = {}): LineSplitter =>
  new LineSplitter(
    {
      line: (bytes, lineNumber, byteOffset, terminated) => parser.push(bytes, lineNumber, byteOffset, terminated),
      oversized: (lineNumber, byteOffset, length, terminated) => parser.pushOversized(lineNumber, byteOffset, length, terminated),
    },
    undefined,
    options.resumeAt ?? { byteOffset: 0, line: 1 },
  );

/**
 * A cursor can be trusted when the file still holds, just before it, a line whose
 * SHA-256 is the cursor's head: the same journal, grown only by appends since.
 */
const cursorHolds = (fd: number, cursor: JournalCursor): boolean => {
  if (cursor.headLength === 0) return cursor.byteOffset === 0;
  const start = cursor.byteOffset - 1 - cursor.headLength;
  if (start < 0) return false;
  const line = Buffer.allocUnsafe(cursor.headLength + 1);
  if (fs.readSync(fd, line, 0, line.length, start) !== line.length || line[line.length - 1] !== 0x0a) return false;
  return sha256Hex(line.subarray(0, cursor.headLength)) === cursor.head.hash;
};

/** Reads a whole journal held in memory (pure). `labelHash` is the SHA-256 hex of volume.json's bytes. */
export const parseJournal = (bytes: Buffer, labelHash: string, options: JournalReadOptions = {}): JournalReadResult => {
  const parser = new JournalParser(labelHash, options);
  const splitter = splitterInto(parser);
  splitter.push(bytes);
  splitter.end();
  return parser.finish();
};

/**
 * Reads `journalPath` in 1 MiB chunks. `label` is volume.json's bytes or their
 * SHA-256 hex. A missing file reads as an empty journal with `exists: false`.
 */
export const readJournal = (
  journalPath: string,
  label: Buffer | string,
  options: JournalReadOptions = {},
): E.Either<JournalUnreadable, JournalReadResult> => {
  const reading = readInChunks(journalPath, label, options);
  for (let step = reading.next(); ; ) {
    if (step.done === true) return step.value;
    try {
      options.onRecords?.(step.value);
      step = reading.next();
    } catch (error) {
      // As a failure of the read itself (the file is closed, the result says why).
      step = reading.throw(error);
    }
  }
};

/**
 * `readJournal` whose handler of each chunk's records may be asynchronous (an import into
 * a server database): the next chunk is read only once the handler is done, so memory
 * stays flat whatever the journal's length.
 */
export const readJournalAwaiting = async (
  journalPath: string,
  label: Buffer | string,
  onRecords: (records: readonly JournalRecord[]) => Promise<void>,
  options: Omit<JournalReadOptions, 'onRecords'> = {},
): Promise<E.Either<JournalUnreadable, JournalReadResult>> => {
  const reading = readInChunks(journalPath, label, { ...options, onRecords: () => undefined });
  for (let step = reading.next(); ; ) {
    if (step.done === true) return step.value;
    try {
      await onRecords(step.value);
      step = reading.next();
    } catch (error) {
      step = reading.throw(error);
    }
  }
};

/** The reading itself: yields each chunk's settled records when `onRecords` is given (the caller hands them over), returns the result. */
function* readInChunks(
  journalPath: string,
  label: Buffer | string,
  options: JournalReadOptions,
): Generator<readonly JournalRecord[], E.Either<JournalUnreadable, JournalReadResult>, void> {
  const labelHash = typeof label === 'string' ? label : sha256Hex(label);
  let fd: number;
  try {
    fd = fs.openSync(journalPath, 'r');
  } catch (error) {
    if (isErrno(error, 'ENOENT')) return E.right({ ...new JournalParser(labelHash, {}).finish(), exists: false });
    return E.left(unreadable(journalPath, error));
  }
  try {
    // A cursor that no longer fits the file (another journal, a rewritten one): read it all.
    const resume = options.resumeAt !== undefined && cursorHolds(fd, options.resumeAt) ? options.resumeAt : undefined;
    const effective: JournalReadOptions = { ...options, resumeAt: resume };
    const parser = new JournalParser(labelHash, effective);
    const splitter = splitterInto(parser, effective);
    const chunk = Buffer.allocUnsafe(CHUNK_BYTES);
    for (let position = resume?.byteOffset ?? 0; ; ) {
      const n = fs.readSync(fd, chunk, 0, CHUNK_BYTES, position);
      if (n === 0) break;
      position += n;
      splitter.push(chunk.subarray(0, n));
      if (options.onRecords !== undefined) {
        const settled = parser.drain();
        if (settled.length > 0) yield settled;
      }
      if (parser.done) break;
    }
    splitter.end();
    const result = parser.finish();
    if (options.onRecords !== undefined && result.records.length > 0) {
      yield result.records;
      return E.right({ ...result, records: [] });
    }
    return E.right(result);
  } catch (error) {
    return E.left(unreadable(journalPath, error));
  } finally {
    closeQuietly(fd);
  }
}

const unreadable = (path: string, error: unknown): JournalUnreadable => ({
  _tag: 'JournalUnreadable',
  path,
  code: errnoCode(error),
  message: errorMessage(error),
});
