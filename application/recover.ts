import { holdsArchive } from '../domain/events';
import type { SpanView } from '../projections/ports/job-queries';
import * as E from 'fp-ts/Either';
import type { EventEnvelope } from '../domain/envelope';
import { decodeDomainEvent, tapeStream, type ArchivedEntry, type DomainEvent } from '../domain/events';
import { JobId } from '../domain/ids';
import { jobDecider, type JobState, type SalvageCommand } from '../domain/job/job';
import type { KeySlot } from '../domain/key-slots';
import type { TapeId } from '../domain/tape-id';
import { tapeDecider, type TapeState } from '../domain/tape/tape';
import type { VolumeLabel } from '../domain/volume-label';
import { readJournal, readJournalAwaiting, type JournalRecord } from '../infrastructure/journal';
import { segmentMembers, type SegmentMember } from '../infrastructure/recovery/segment-members';
import { segmentPath } from '../infrastructure/tape/layout';
import { FolderTape } from '../infrastructure/tape/tape-volume';
import type { App } from './app';
import type { AppError } from './errors';
import { mintId } from './mint-id';
import { JobRecorder } from './job-recorder';
import { recallIfForgotten } from './forget-tape';
import { decideOn, envelopesOf, loadStream, type Decision, type StreamState } from './handle';
import { PLAIN_NAMES, sealedNames, type Names } from './entry-names';
import { journalEventProblem } from './tape-session';
import { unlockTape, type Secrets } from './unlock';
import { unknownFeaturesOf } from './format-check';
import type { TapeKeys } from '../infrastructure/crypto/tape-keys';

/** How salvaged entries are catalogued: names as the tape holds them, and the keys to read sealed segments. */
interface SalvageKeys {
  readonly names: Names;
  readonly keys?: TapeKeys;
}

export interface RecoverInput {
  readonly mounts: readonly string[];
  readonly salvage: boolean;
  /** For salvaging the entries of an encrypted tape (structure and jobs recover without it). */
  readonly secrets: Secrets | undefined;
}

export interface SkippedRecord {
  readonly record: number;
  readonly line: number;
  readonly kind: string;
  readonly detail: string;
}

/** What reading one tape's journal gave. */
interface Read {
  /** Records read from the journal, and events the catalog did not have yet. */
  readonly records: number;
  readonly imported: number;
  /** Salvage: damaged records skipped, and what stands in for them. */
  readonly skipped: readonly SkippedRecord[];
  readonly tornTail: { readonly record: number; readonly line: number } | null;
  /** Entries found again from segments' own tar headers. */
  readonly salvagedEntries: number;
  /** What could not be recovered, one line each. */
  readonly lost: readonly string[];
}

export interface RecoveredTape extends Read {
  readonly tape: TapeId;
  readonly mount: string;
  readonly volumeUuid: string;
  readonly encrypted: boolean;
  readonly jobs: number;
  readonly files: number;
  readonly bytes: number;
  /** Jobs the journal shows started but never ended (their closed segments are catalogued). */
  readonly unfinishedJobs: readonly string[];
  /** Parts of jobs that span tapes held here, each with every part the journals read so far name. */
  readonly spans: readonly TapeSpan[];
  /** Jobs catalogued but needing format features this version does not know: restore and verify refuse them. */
  readonly unsupportedJobs: readonly { readonly job: string; readonly features: readonly string[] }[];
}

export interface TapeSpan {
  /** The part on this tape, and its job. */
  readonly part: number;
  readonly job: string;
  readonly span: SpanView;
}

export interface RecoverReport {
  readonly tapes: readonly RecoveredTape[];
  /** Nothing was lost on any tape. */
  readonly complete: boolean;
}

/**
 * Disaster recovery: the catalog from tapes alone. For each mount, volume.json and the
 * journal are read and checked (the chain; with `salvage`, damaged records are skipped
 * and reported), the events are imported into the local store (known ones are skipped,
 * so recovery is idempotent and several tapes merge into one catalog) and every
 * projection is built from them by replay. Encrypted tapes recover without the key
 * (names stay locked until an unlock); their key slots come back with them.
 */
export const recoverTapes = async (app: App, input: RecoverInput): Promise<E.Either<AppError, RecoverReport>> => {
  const tapes: RecoveredTape[] = [];
  for (const mount of input.mounts) {
    const one = await recoverTape(app, mount, input);
    if (E.isLeft(one)) return one;
    tapes.push(one.right);
  }
  return E.right({ tapes, complete: tapes.every((t) => t.lost.length === 0 && t.skipped.length === 0 && t.tornTail === null) });
};

const recoverTape = async (app: App, mount: string, input: RecoverInput): Promise<E.Either<AppError, RecoveredTape>> => {
  const volume = new FolderTape(mount);
  const probe = volume.probe();
  if (E.isLeft(probe)) return probe;
  if (probe.right._tag === 'Blank') return E.left({ _tag: 'NotAnArchiveTape', mount });
  const { label, labelHash } = probe.right;
  const tape = label.tape;
  // A forgotten tape is no longer in the catalog's tables, but its stream still says which cartridge it was.
  const knownVolume = await knownVolumeOf(app, tape);
  if (E.isLeft(knownVolume)) return knownVolume;
  if (knownVolume.right !== undefined && knownVolume.right !== label.volumeUuid) {
    return E.left({ _tag: 'DifferentCartridge', tape, mount, expectedVolume: knownVolume.right, foundVolume: label.volumeUuid });
  }
  // Before the journal's new events are imported: the recall projects the tape's history up to here, once.
  const recalled = await recallIfForgotten(app, tape);
  if (E.isLeft(recalled)) return recalled;
  const read = input.salvage ? await readSalvaging(app, volume, label, labelHash, input) : await readStreaming(app, volume, tape, labelHash);
  if (E.isLeft(read)) return read;
  await app.mounts.remember(tape, volume.root, app.clock().toISOString());
  const recorded = await recordRecoveryJob(app, tape, mount, read.right.imported);
  if (E.isLeft(recorded)) return recorded;
  const totals = await jobTotals(app, tape);
  return E.right({
    tape,
    mount: volume.root,
    volumeUuid: label.volumeUuid,
    encrypted: label.encryption !== undefined,
    ...read.right,
    jobs: totals.jobs,
    files: totals.files,
    bytes: totals.bytes,
    unfinishedJobs: (await app.catalog.jobs({ tape, status: 'RUNNING' })).map((j) => j.id),
    spans: await spansOn(app, tape),
    unsupportedJobs: await unsupportedJobsOn(app, tape),
  });
};


/** The cartridge this catalog knows the tape as: from its tables, or (forgotten) from the tape's stream. */
const knownVolumeOf = async (app: App, tape: TapeId): Promise<E.Either<AppError, string | undefined>> => {
  const shown = (await app.catalog.tapeInfo(tape))?.volumeUuid;
  if (shown !== undefined) return E.right(shown);
  return E.map((loaded: StreamState<TapeState>) => (loaded.state.status === 'INITIALISED' ? loaded.state.volumeUuid : undefined))(
    await loadStream(app, tapeDecider, tapeStream(tape)),
  );
};

/** The jobs of `tape` that need a format feature this version does not know (listed, never restored or verified). */
const unsupportedJobsOn = async (app: App, tape: TapeId): Promise<{ job: string; features: string[] }[]> => {
  const unsupported: { job: string; features: string[] }[] = [];
  for (const j of await app.catalog.jobs({ tape })) {
    const features = await unknownFeaturesOf(app, j.id);
    if (features.length > 0) unsupported.push({ job: j.id, features });
  }
  return unsupported;
};

/** The jobs of `tape` that are parts of a span, and where the span's other parts are. */
const spansOn = async (app: App, tape: TapeId): Promise<TapeSpan[]> => {
  const spans: TapeSpan[] = [];
  for (const j of await app.catalog.jobs({ tape })) {
    const span = j.span === null ? undefined : await app.catalog.spanOf(j.id);
    if (j.span !== null && span !== undefined) spans.push({ part: j.span.part, job: j.id, span });
  }
  return spans;
};

const tornTailOf = (t: { record: number; line: number } | undefined) => (t === undefined ? null : { record: t.record, line: t.line });

/**
 * How much of the journal one import takes (one transaction: rows, projections, one
 * commit and its fsync). The reader hands over what each 1 MiB it reads holds, about two
 * FilesArchived events of a large backup: imported so, a million-file tape took some 250
 * commits. Bounded by the lines' bytes, not only their number, so that entries with large
 * attributes cannot make a batch outgrow the heap (8 MiB of JSON is some 60 MB of objects
 * while projected).
 */
const IMPORT_BATCH = { records: 64, bytes: 8 * 1024 * 1024 } as const;

/**
 * An intact journal is imported as it is read, some megabytes at a time, so memory
 * stays flat for millions of entries. A break stops the recovery (what came before it
 * is imported: running it again with --salvage goes on from there).
 */
const readStreaming = async (app: App, volume: FolderTape, tape: TapeId, labelHash: string): Promise<E.Either<AppError, Read>> => {
  let failure: AppError | undefined;
  let records = 0;
  let imported = 0;
  let batch: JournalRecord[] = [];
  let batchBytes = 0;
  const importBatch = async (): Promise<void> => {
    if (batch.length === 0 || failure !== undefined) return;
    const stored = await app.store.importEvents(batch.map((r) => r.event), { tape, state: 'written', seqs: batch.map((r) => r.seq) });
    batch = [];
    batchBytes = 0;
    if (E.isLeft(stored)) failure = stored.left;
    else imported += stored.right.imported.length;
    app.crashPoint('recover-batch-imported');
  };
  // Each batch is imported before the next megabyte is read: memory stays flat.
  const read = await readJournalAwaiting(volume.journalPath, labelHash, async (settled) => {
    for (const record of settled) {
      if (failure !== undefined) return;
      records += 1;
      const problem = journalEventProblem(tape, record.event);
      if (problem !== undefined) {
        await importBatch();
        failure ??= { _tag: 'ForeignJournalEvent', tape, seq: record.seq, detail: problem };
        return;
      }
      batch.push(record);
      batchBytes += record.length;
      if (batch.length >= IMPORT_BATCH.records || batchBytes >= IMPORT_BATCH.bytes) await importBatch();
    }
  });
  await importBatch();
  if (E.isLeft(read)) return E.left({ ...read.left, _tag: 'JournalUnreadable' });
  if (failure !== undefined) return E.left(failure);
  const broken = read.right.breaks[0];
  if (broken !== undefined) {
    return E.left({ _tag: 'JournalBroken', path: volume.journalPath, record: broken.record, line: broken.line, kind: broken.kind, detail: broken.detail });
  }
  return E.right({ records, imported, skipped: [], tornTail: tornTailOf(read.right.tornTail), salvagedEntries: 0, lost: [] });
};

/**
 * Salvage: the journal is read whole, around damaged records (skipped and reported),
 * holes in job streams are filled (see fillGaps), then everything is imported. This
 * holds the journal in memory: salvage is for damaged tapes, not the everyday path.
 */
const readSalvaging = async (app: App, volume: FolderTape, label: VolumeLabel, labelHash: string, input: RecoverInput): Promise<E.Either<AppError, Read>> => {
  const tape = label.tape;
  const read = readJournal(volume.journalPath, labelHash, { salvage: true });
  if (E.isLeft(read)) return E.left({ ...read.left, _tag: 'JournalUnreadable' });
  const journal = read.right;
  const skipped: SkippedRecord[] = journal.breaks.map((b) => ({ record: b.record, line: b.line, kind: b.kind, detail: b.detail }));
  const records: JournalRecord[] = [];
  for (const record of journal.records) {
    const problem = journalEventProblem(tape, record.event);
    if (problem === undefined) records.push(record);
    else skipped.push({ record: record.seq, line: record.line, kind: 'foreign', detail: problem });
  }
  const lost: string[] = [];
  // The key is asked for only when something must be salvaged from encrypted segments.
  const names = skipped.length === 0 ? { names: PLAIN_NAMES } : await salvageNames(app, tape, label, input, lost);
  const filled = await fillGaps(app, tape, volume.root, records, names, lost);
  const imported = await importInOrder(app, tape, filled.events);
  if (E.isLeft(imported)) return imported;
  return E.right({
    records: journal.records.length,
    imported: imported.right,
    skipped,
    tornTail: tornTailOf(journal.tornTail),
    salvagedEntries: filled.salvagedEntries,
    lost,
  });
};

/** Names to seal salvaged entries with: an encrypted tape needs its key (from the slots on the tape itself). */
const salvageNames = async (app: App, tape: TapeId, label: VolumeLabel, input: RecoverInput, lost: string[]): Promise<SalvageKeys | undefined> => {
  if (label.encryption === undefined) return { names: PLAIN_NAMES };
  if (!input.salvage || input.secrets === undefined) return undefined;
  const slots: KeySlot[] = label.encryption.slots;
  const keys = await unlockTape(app, tape, input.secrets, slots);
  if (E.isLeft(keys)) {
    lost.push(`no key for ${tape}: entries of damaged records cannot be salvaged from its encrypted segments`);
    return undefined;
  }
  return { names: sealedNames(keys.right.names), keys: keys.right };
};

interface Filled {
  readonly events: readonly { readonly envelope: EventEnvelope; readonly seq: number | undefined }[];
  readonly salvagedEntries: number;
}

/**
 * Streams whose records were skipped have holes in their versions, and the store takes
 * a stream only whole. In a job stream a hole is filled: a lost FilesArchived by the
 * entries found again in its segment's tar headers; anything else by a JobWarned that
 * says a record was lost. Those stand-ins are local: they never go to the tape. A hole
 * in another stream cannot be filled; its later events are left out and reported.
 */
const fillGaps = async (
  app: App,
  tape: TapeId,
  mount: string,
  records: readonly JournalRecord[],
  names: SalvageKeys | undefined,
  lost: string[],
): Promise<Filled> => {
  const byStream = new Map<string, JournalRecord[]>();
  for (const r of records) pushTo(byStream, r.event.stream, r);
  const out: { envelope: EventEnvelope; seq: number | undefined }[] = [];
  let salvagedEntries = 0;
  const dropped = new Set<string>();
  for (const [stream, list] of byStream) {
    // Read before the import, which refuses (ImportGap, ImportConflict) a stream that moved meanwhile.
    const present = await app.store.streamVersion(stream);
    let expected = 1;
    for (const r of list) {
      if (r.event.version < expected) continue;
      if (r.event.version > expected) {
        // A recovery run before already filled what it could: the store holds those versions.
        const stand =
          stream.startsWith('job-') && expected !== 1
            ? standIns(app, tape, mount, stream, list, Math.max(expected, present + 1), r.event.version, names, lost)
            : undefined;
        if (stand === undefined) {
          lost.push(`${stream}: event ${expected} lost; its ${list.filter((x) => x.event.version > expected).length} later event(s) cannot be imported`);
          for (const later of list.filter((x) => x.event.version > expected)) dropped.add(later.event.id);
          break;
        }
        salvagedEntries += stand.salvaged;
        for (const envelope of stand.envelopes) out.push({ envelope, seq: undefined });
      }
      expected = r.event.version + 1;
    }
  }
  const inOrder = records.filter((r) => !dropped.has(r.event.id)).map((r) => ({ envelope: r.event, seq: r.seq }));
  // Stand-ins go right before the first record that follows them in their stream.
  const merged: { envelope: EventEnvelope; seq: number | undefined }[] = [];
  const pendingByStream = new Map<string, EventEnvelope[]>();
  for (const s of out) pushTo(pendingByStream, s.envelope.stream, s.envelope);
  for (const item of inOrder) {
    const waiting = pendingByStream.get(item.envelope.stream) ?? [];
    while (waiting.length > 0 && waiting[0]!.version < item.envelope.version) merged.push({ envelope: waiting.shift()!, seq: undefined });
    merged.push(item);
  }
  for (const rest of pendingByStream.values()) for (const envelope of rest) merged.push({ envelope, seq: undefined });
  return { events: merged, salvagedEntries };
};

const pushTo = <K, V>(map: Map<K, V[]>, key: K, value: V): void => {
  const list = map.get(key);
  if (list === undefined) map.set(key, [value]);
  else list.push(value);
};

const decoded = (r: JournalRecord): DomainEvent | undefined => {
  const d = decodeDomainEvent(r.event.type, r.event.schema, r.event.data);
  return E.isRight(d) ? d.right : undefined;
};

/**
 * Events standing in for versions `from` .. `to - 1` of a job stream, each decided by the
 * job's decider on the state the records before them leave (undefined: it refused one).
 */
const standIns = (
  app: App,
  tape: TapeId,
  mount: string,
  stream: string,
  list: readonly JournalRecord[],
  from: number,
  to: number,
  names: SalvageKeys | undefined,
  lost: string[],
): { envelopes: EventEnvelope[]; salvaged: number } | undefined => {
  const job = mintId(JobId, stream.slice('job-'.length));
  let salvaged = 0;
  const events = list.map((r) => ({ version: r.event.version, event: decoded(r) }));
  const before = events.filter((e) => e.version < from).flatMap((e) => (e.event === undefined ? [] : [e.event]));
  const lastClosed = [...before].reverse().find((e) => e.type === 'SegmentClosed');
  let at: StreamState<JobState> = { stream, state: before.reduce(jobDecider.evolve, jobDecider.initialState), version: from - 1 };
  const decisions: Decision<JobState>[] = [];
  for (let version = from; version < to; version++) {
    let command: SalvageCommand | undefined;
    if (lastClosed?.type === 'SegmentClosed' && version === from) {
      const segment = lastClosed.data.segment;
      const have = events.flatMap(({ event: e }) => (e?.type === 'FilesArchived' && e.data.segment === segment ? e.data.entries : []));
      const missing = lastClosed.data.entries - have.length;
      if (missing > 0 && names !== undefined) {
        const found = segmentMembers(segmentPath(mount, job, segment), names.keys);
        if (E.isRight(found)) {
          const known = new Set(have.map((e) => e.path));
          const entries = found.right.members.map((m) => archivedEntry(m, names.names)).filter((e) => !known.has(e.path));
          salvaged += entries.length;
          command = { type: 'RecordSalvagedEntries', job, segment, entries };
          if (entries.length < missing) lost.push(`${stream}: segment ${segment}: ${missing - entries.length} of ${missing} lost entries not found in its tar headers`);
        } else lost.push(`${stream}: segment ${segment}: ${found.left}: ${missing} entries lost`);
      } else if (missing > 0) lost.push(`${stream}: segment ${segment}: ${missing} entries lost (an encrypted segment needs the key to salvage them)`);
    }
    const decided = decideOn(app, jobDecider, at, command ?? { type: 'NoteLostRecord', job, version });
    if (E.isLeft(decided)) return undefined;
    decisions.push({ ...decided.right, meta: { salvaged: true, tape } });
    at = decided.right;
  }
  return { envelopes: envelopesOf(app, decisions), salvaged };
};

const archivedEntry = (m: SegmentMember, names: Names): ArchivedEntry => {
  const path = names.path(m.path);
  return {
    path,
    kind: m.kind,
    size: m.size,
    mtimeNs: m.mtimeNs.toString(),
    mode: m.mode,
    uid: m.uid,
    gid: m.gid,
    ...(m.kind === 'file' ? { offset: m.dataOffset, ...(m.hash === undefined ? {} : { sha256: m.hash }) } : {}),
    ...(m.target === undefined ? {} : { target: names.text(path, m.target) }),
  };
};

/** Imports in journal order, journal events as written at their seqs and stand-ins as local ones. */
const importInOrder = async (app: App, tape: TapeId, events: Filled['events']): Promise<E.Either<AppError, number>> => {
  let imported = 0;
  for (let i = 0; i < events.length; ) {
    const written = events[i]!.seq !== undefined;
    let j = i;
    while (j < events.length && (events[j]!.seq !== undefined) === written) j++;
    const batch = events.slice(i, j);
    const result = written
      ? await app.store.importEvents(batch.map((b) => b.envelope), { tape, state: 'written', seqs: batch.map((b) => b.seq ?? 0) })
      : await app.store.importEvents(batch.map((b) => b.envelope), { tape, state: 'local' });
    if (E.isLeft(result)) return result;
    imported += result.right.imported.length;
    i = j;
  }
  return E.right(imported);
};

/** The recovery itself is a job, kept locally (it wrote nothing to the tape). */
const recordRecoveryJob = async (app: App, tape: TapeId, mount: string, imported: number): Promise<E.Either<AppError, void>> => {
  const job = mintId(JobId, app.newId());
  const recorder = new JobRecorder(app, tape, job, undefined, true);
  const encrypted = (await app.catalog.tape(tape))?.encrypted === true;
  const started = await recorder.record({ type: 'StartJob', job, tape, jobType: 'RECOVERY', encrypted, host: app.host, target: mount }, { pid: app.pid });
  if (E.isLeft(started)) return started;
  const completed = await recorder.record({ type: 'CompleteJob', job, totals: { files: imported, bytesRead: 0, bytesWritten: 0, warnings: 0 } });
  return E.map(() => undefined)(completed);
};

const jobTotals = async (app: App, tape: TapeId): Promise<{ jobs: number; files: number; bytes: number }> => {
  const jobs = (await app.catalog.jobs({ tape })).filter((j) => j.type !== 'RECOVERY' && j.type !== 'BROWSE');
  const backups = jobs.filter((j) => holdsArchive(j.type));
  return { jobs: jobs.length, files: backups.reduce((n, j) => n + j.files, 0), bytes: backups.reduce((n, j) => n + j.bytesRead, 0) };
};

