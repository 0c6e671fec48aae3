import * as fs from 'node:fs';
import * as E from 'fp-ts/Either';
import { errnoCode, errorMessage, isErrno } from '../errno';
import { JournalParser, type JournalReadOptions, type JournalReadResult } from './journal-parser';
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

const splitterInto = (parser: JournalParser): LineSplitter =>
  new LineSplitter({
    line: (bytes, lineNumber, byteOffset, terminated) => parser.push(bytes, lineNumber, byteOffset, terminated),
    oversized: (lineNumber, byteOffset, length, terminated) => parser.pushOversized(lineNumber, byteOffset, length, terminated),
  });

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
  const labelHash = typeof label === 'string' ? label : sha256Hex(label);
  const parser = new JournalParser(labelHash, options);
  let fd: number;
  try {
    fd = fs.openSync(journalPath, 'r');
  } catch (error) {
    if (isErrno(error, 'ENOENT')) return E.right({ ...parser.finish(), exists: false });
    return E.left(unreadable(journalPath, error));
  }
  try {
    const splitter = splitterInto(parser);
    const chunk = Buffer.allocUnsafe(CHUNK_BYTES);
    for (;;) {
      const n = fs.readSync(fd, chunk, 0, CHUNK_BYTES, null);
      if (n === 0) break;
      splitter.push(chunk.subarray(0, n));
      if (parser.done) break;
    }
    splitter.end();
    return E.right(parser.finish());
  } catch (error) {
    return E.left(unreadable(journalPath, error));
  } finally {
    closeQuietly(fd);
  }
};

const unreadable = (path: string, error: unknown): JournalUnreadable => ({
  _tag: 'JournalUnreadable',
  path,
  code: errnoCode(error),
  message: errorMessage(error),
});
