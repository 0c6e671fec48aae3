import { LF, MAX_LINE_BYTES } from './journal-record';

/** Receives the lines of a byte stream, in order, each without its LF. */
export interface LineSink {
  /** `bytes` is only valid during the call (it may be a view into a reused buffer). */
  line(bytes: Buffer, lineNumber: number, byteOffset: number, terminated: boolean): void;
  /** A line longer than the limit: counted, never held. */
  oversized(lineNumber: number, byteOffset: number, length: number, terminated: boolean): void;
}

/**
 * Splits a byte stream fed in chunks into LF-terminated lines, with 1-based line
 * numbers and byte offsets, so a journal of any size is read without being one
 * string. A line past `maxLine` bytes is dropped as it arrives and reported by length.
 */
export class LineSplitter {
  private parts: Buffer[] = [];
  private held = 0;
  private length = 0;
  private lineStart: number;
  private lineNumber: number;

  /** `start`: where in the stream the first byte fed sits (a read that resumes mid-file). */
  constructor(
    private readonly sink: LineSink,
    private readonly maxLine = MAX_LINE_BYTES,
    start: { readonly byteOffset: number; readonly line: number } = { byteOffset: 0, line: 1 },
  ) {
    this.lineStart = start.byteOffset;
    this.lineNumber = start.line;
  }

  /** Feeds the next chunk; the caller may reuse `chunk` once this returns. */
  push(chunk: Buffer): void {
    let pos = 0;
    while (pos < chunk.length) {
      const nl = chunk.indexOf(LF, pos);
      const end = nl === -1 ? chunk.length : nl;
      const piece = chunk.subarray(pos, end);
      if (nl === -1) {
        this.hold(piece, true);
      } else if (this.length === 0) {
        this.emit(piece, true);
      } else {
        this.hold(piece, false);
        this.emit(undefined, true);
      }
      pos = nl === -1 ? chunk.length : nl + 1;
    }
  }

  /** The end of the stream: a last line without LF is passed on as unterminated. */
  end(): void {
    if (this.length > 0) this.emit(undefined, false);
  }

  private hold(piece: Buffer, copy: boolean): void {
    this.length += piece.length;
    if (this.length > this.maxLine) {
      this.parts = [];
      this.held = 0;
      return;
    }
    if (piece.length > 0) {
      this.parts.push(copy ? Buffer.from(piece) : piece);
      this.held += piece.length;
    }
  }

  /** Emits the line: `direct` when it lies whole in the current chunk, else the held parts. */
  private emit(direct: Buffer | undefined, terminated: boolean): void {
    const length = direct?.length ?? this.length;
    if (length > this.maxLine) {
      this.sink.oversized(this.lineNumber, this.lineStart, length, terminated);
    } else {
      const bytes = direct ?? (this.parts.length === 1 && this.parts[0] !== undefined ? this.parts[0] : Buffer.concat(this.parts, this.held));
      this.sink.line(bytes, this.lineNumber, this.lineStart, terminated);
    }
    this.lineStart += length + (terminated ? 1 : 0);
    this.lineNumber += 1;
    this.parts = [];
    this.held = 0;
    this.length = 0;
  }
}
