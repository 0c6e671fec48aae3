/** A job that spans tapes: every part any journal read so far names, and whether that part's own journal was read. */
export interface SpanView {
  readonly id: string;
  readonly parts: readonly { readonly part: number; readonly tape: string; readonly job: string; readonly recorded: boolean }[];
}

export interface JobView {
  readonly id: string;
  readonly tape: string;
  readonly type: string;
  readonly mode: string | null;
  readonly status: string;
  readonly startedAt: string;
  readonly endedAt: string | null;
  readonly files: number;
  readonly bytesRead: number;
  readonly bytesWritten: number;
  readonly warnings: number;
  readonly encrypted: boolean;
  readonly reason: string | null;
  readonly host: string | null;
  /** Orders a tape's jobs: the store position of the job's start. */
  readonly ordinal: number;
  readonly sources: readonly string[] | null;
  readonly target: string | null;
  /** A part of a backup that spans tapes: the span (its first part's job) and which part. */
  readonly span: { readonly id: string; readonly part: number } | null;
}

/** The read side of jobs: what `lto jobs` lists, and the parts of a span. */
export interface JobQueries {
  jobs(filter?: { readonly tape?: string; readonly status?: string }): Promise<JobView[]>;
  /** The span a job is a part of, when it is one. */
  spanOf(job: string): Promise<SpanView | undefined>;
}
