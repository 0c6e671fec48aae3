/** A closed segment as recorded when it was written. */
export interface SegmentRecord {
  readonly job: string;
  readonly segment: number;
  readonly bytes: number;
  readonly sha256: string;
}

/** A file a segment holds, as recorded when it was written (its path as catalogued, sealed on an encrypted tape). */
export interface RecordedFile {
  readonly path: string;
  readonly offset: number;
  readonly size: number;
  /** SHA-256 (plain) or HMAC-SHA256 (encrypted) hex. */
  readonly hash: string;
}

/** What `lto verify` checks a tape's segments against. */
export interface VerifyQueries {
  /** A job's closed segments, in order. */
  segmentsOf(job: string): Promise<SegmentRecord[]>;
  /** The files of one segment whose bytes are hashed (not sparse ones), by offset. */
  filesOf(job: string, segment: number): Promise<RecordedFile[]>;
}
