import * as t from 'io-ts';
import { KeySlot } from '../../domain/key-slots';
import { nullable } from '../../domain/ids';
import { describeErrors } from '../../domain/events';
import { Generation } from '../../domain/tape-id';
import type { JobView, SpanView } from '../ports/job-queries';
import type { TapeInfoView, TapeView } from '../ports/tape-queries';
import { rawRows, rows, type PgQueryable } from './pg-sql';

// The row shapes of projections/sqlite/tape-queries.ts (to share once the async ports are merged).
const TapeRow = t.type({
  id: t.string,
  generation: Generation,
  capacity_bytes: t.number,
  used_bytes: t.number,
  description: t.string,
  encrypted: t.number,
  state: t.string,
});

const TAPE_COLUMNS = `id, generation, capacity_bytes, description, encrypted, state,
  (SELECT coalesce(sum(s.bytes), 0) FROM segments s WHERE s.tape = tapes.id) AS used_bytes`;

const TapeInfoRow = t.type({
  tape: t.string,
  format: t.string,
  volume_uuid: t.string,
  initialised_at: t.string,
  initialised_by_job: t.string,
  jobs_total: t.number,
  last_job_id: nullable(t.string),
  last_job_at: nullable(t.string),
});

const JobRow = t.type({
  id: t.string,
  tape: t.string,
  type: t.string,
  mode: nullable(t.string),
  status: t.string,
  started_at: t.string,
  ended_at: nullable(t.string),
  files: t.number,
  bytes_read: t.number,
  bytes_written: t.number,
  warnings: t.number,
  encrypted: t.number,
  reason: nullable(t.string),
  host: nullable(t.string),
  ordinal: t.number,
  sources: nullable(t.string),
  target: nullable(t.string),
  span_id: nullable(t.string),
  span_part: nullable(t.number),
});

const SpanPartRow = t.type({ span: t.string, part: t.number, tape: t.string, job: t.string, recorded: t.boolean });
const StoredFilesRow = t.tuple([t.string, t.number, t.number]);
const StringList = t.array(t.string);

const parseSources = (json: string | null): readonly string[] | null => {
  if (json === null) return null;
  const decoded = StringList.decode(JSON.parse(json));
  return decoded._tag === 'Right' ? decoded.right : null;
};

/** Rows are decoded, never cast: a catalog written by another version fails loudly here. */
export const decodeRow = <C extends t.Mixed>(codec: C, row: unknown, table: string): t.TypeOf<C> => {
  const decoded = codec.decode(row);
  if (decoded._tag === 'Left') throw new Error(`catalog table ${table}: ${describeErrors(decoded.left).join('; ')}`);
  return decoded.right;
};

const toTape = (r: t.TypeOf<typeof TapeRow>): TapeView => ({
  id: r.id,
  generation: r.generation,
  capacityBytes: r.capacity_bytes,
  usedBytes: r.used_bytes,
  description: r.description,
  encrypted: r.encrypted === 1,
  state: r.state,
});

const toJob = (r: t.TypeOf<typeof JobRow>): JobView => ({
  id: r.id,
  tape: r.tape,
  type: r.type,
  mode: r.mode,
  status: r.status,
  startedAt: r.started_at,
  endedAt: r.ended_at,
  files: r.files,
  bytesRead: r.bytes_read,
  bytesWritten: r.bytes_written,
  warnings: r.warnings,
  encrypted: r.encrypted === 1,
  reason: r.reason,
  host: r.host,
  ordinal: r.ordinal,
  sources: parseSources(r.sources),
  target: r.target,
  span: r.span_id === null || r.span_part === null ? null : { id: r.span_id, part: r.span_part },
});

/** Tapes and jobs as the PostgreSQL catalog holds them (TapeQueries and JobQueries, async). */
export class PgTapeQueries {
  constructor(protected readonly db: PgQueryable) {}

  async tapes(): Promise<TapeView[]> {
    return (await rows(this.db, `SELECT ${TAPE_COLUMNS} FROM tapes ORDER BY id`)).map((row) => toTape(decodeRow(TapeRow, row, 'tapes')));
  }

  async tape(id: string): Promise<TapeView | undefined> {
    const [row] = await rows(this.db, `SELECT ${TAPE_COLUMNS} FROM tapes WHERE id = $1`, [id]);
    return row === undefined ? undefined : toTape(decodeRow(TapeRow, row, 'tapes'));
  }

  async tapeInfo(id: string): Promise<TapeInfoView | undefined> {
    const [row] = await rows(this.db, 'SELECT * FROM tape_info WHERE tape = $1', [id]);
    if (row === undefined) return undefined;
    const r = decodeRow(TapeInfoRow, row, 'tape_info');
    return {
      format: r.format,
      volumeUuid: r.volume_uuid,
      initialisedAt: r.initialised_at,
      initialisedByJob: r.initialised_by_job,
      jobsTotal: r.jobs_total,
      lastJobId: r.last_job_id,
      lastJobAt: r.last_job_at,
    };
  }

  /** An encrypted tape's key slots, oldest first (a slot that does not decode is left out). */
  async keySlots(tape: string): Promise<KeySlot[]> {
    const found = await rawRows(this.db, 'SELECT slot_json FROM key_slots WHERE tape = $1 ORDER BY created, id', [tape]);
    return found.flatMap(([json]) => {
      if (typeof json !== 'string') return [];
      const decoded = KeySlot.decode(JSON.parse(json));
      return decoded._tag === 'Right' ? [decoded.right] : [];
    });
  }

  /** Archived file versions (and their bytes) on each tape, by tape id. */
  async storedFiles(): Promise<Map<string, { files: number; bytes: number }>> {
    const counts = new Map<string, { files: number; bytes: number }>();
    const found = await rawRows(
      this.db,
      `SELECT d.tape, count(*), coalesce(sum(e.size), 0) FROM entries e JOIN dirs d ON d.id = e.dir_id WHERE e.kind = 'file' GROUP BY d.tape`,
    );
    for (const row of found) {
      const decoded = StoredFilesRow.decode(row);
      if (decoded._tag === 'Right') counts.set(decoded.right[0], { files: decoded.right[1], bytes: decoded.right[2] });
    }
    return counts;
  }

  async jobs(filter: { readonly tape?: string; readonly status?: string } = {}): Promise<JobView[]> {
    const where: string[] = [];
    const params: string[] = [];
    if (filter.tape !== undefined) {
      params.push(filter.tape);
      where.push(`jobs.tape = $${params.length}`);
    }
    if (filter.status !== undefined) {
      params.push(filter.status);
      where.push(`jobs.status = $${params.length}`);
    }
    const clause = where.length === 0 ? '' : `WHERE ${where.join(' AND ')}`;
    const found = await rows(this.db, `SELECT jobs.*, sp.span AS span_id, sp.part AS span_part FROM jobs LEFT JOIN span_parts sp ON sp.job = jobs.id ${clause} ORDER BY ordinal`, params);
    return found.map((row) => toJob(decodeRow(JobRow, row, 'jobs')));
  }

  /** The span a job is a part of, when it is one. */
  async spanOf(job: string): Promise<SpanView | undefined> {
    const found = (
      await rows(
        this.db,
        `SELECT p.span, p.part, p.tape, p.job, EXISTS (SELECT 1 FROM jobs j WHERE j.id = p.job) AS recorded
         FROM span_parts p WHERE p.span = (SELECT span FROM span_parts WHERE job = $1) ORDER BY p.part`,
        [job],
      )
    ).map((row) => decodeRow(SpanPartRow, row, 'span_parts'));
    const first = found[0];
    if (first === undefined) return undefined;
    return { id: first.span, parts: found.map((r) => ({ part: r.part, tape: r.tape, job: r.job, recorded: r.recorded })) };
  }
}
