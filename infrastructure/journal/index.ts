/** The on-tape journal (format lto-archive/1): see docs/FORMAT.md. */
export {
  JOURNAL_FILE,
  MAX_LINE_BYTES,
  encodeRecord,
  serializeEnvelope,
  sha256Hex,
  verifyLine,
  type EncodedRecord,
  type JournalHead,
  type LineVerdict,
} from './journal-record';
export {
  JournalParser,
  type HealedTear,
  type JournalCursor,
  type JournalBreak,
  type JournalBreakKind,
  type JournalReadOptions,
  type JournalReadResult,
  type JournalRecord,
  type TornTail,
} from './journal-parser';
export { LineSplitter, type LineSink } from './line-splitter';
export { parseJournal, readJournal, readJournalAwaiting, type JournalUnreadable } from './journal-reader';
export { appendToJournal, type JournalAppended, type JournalWriteError } from './journal-writer';
