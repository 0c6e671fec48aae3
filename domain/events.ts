import * as t from 'io-ts';
import * as E from 'fp-ts/Either';
import { pipe } from 'fp-ts/function';
import { Count, IsoTime, JobId, VolumeUuid, checked } from './ids';
import { KeySlot } from './key-slots';
import { Generation, TapeId } from './tape-id';
import { Colour, LabelName } from './label/label-name';
import { CopyCount, Location, SetName } from './set/set-name';
import { FeatureList } from './format-features';

/** Every job is one of these operations. */
export const JobType = t.keyof({ ADD_TAPE: null, BACKUP: null, RESTORE: null, VERIFY: null, BROWSE: null, RECOVERY: null, COPY: null });
export type JobType = t.TypeOf<typeof JobType>;

/** Jobs whose segments hold archived files: a backup, and a copy of one onto another tape. */
export const holdsArchive = (type: string): boolean => type === 'BACKUP' || type === 'COPY';

export const BackupMode = t.keyof({ FULL: null, INCREMENTAL: null });
export type BackupMode = t.TypeOf<typeof BackupMode>;

/** The on-tape format this version writes; the reader refuses any other. */
export const FORMAT = 'lto-archive/1';
export const Format = t.literal(FORMAT);

// ---- tape stream: tape-<TAPEID> ----

export const TapeInitialised = t.intersection([
  t.type({
    tape: TapeId,
    generation: Generation,
    capacityBytes: Count,
    description: t.string,
    volumeUuid: VolumeUuid,
    format: Format,
    encrypted: t.boolean,
    /** The ADD_TAPE job that initialised it. */
    job: JobId,
  }),
  t.partial({
    /** On an LTFS mount: the LTFS volume UUID of the cartridge (`ltfs.volumeUUID`), checked at every later contact. */
    ltfsVolumeUuid: t.string,
  }),
]);
export type TapeInitialised = t.TypeOf<typeof TapeInitialised>;

export const TapeDescribed = t.type({ tape: TapeId, description: t.string });
export type TapeDescribed = t.TypeOf<typeof TapeDescribed>;

/** A key slot of an encrypted tape: those in volume.json at initialisation, and every one added later. */
export const KeySlotAdded = t.type({ tape: TapeId, slot: KeySlot });
export type KeySlotAdded = t.TypeOf<typeof KeySlotAdded>;

// ---- job stream: job-<JOBID> ----

/**
 * A backup that continues on more tapes (`--span`) is a chain of parts, one job per tape,
 * each complete in its own tape's journal: `id` is the first part's job (the span's
 * identity), `part` counts from 1, and `previous` names every earlier part's tape and job,
 * so any one tape of the set says where the rest of the job is.
 */
export const SpanPart = t.type({ job: JobId, tape: TapeId });
export type SpanPart = t.TypeOf<typeof SpanPart>;
export const JobSpan = t.type({
  id: JobId,
  part: checked('SpanPartNumber', Count, (n) => n >= 1),
  previous: t.array(SpanPart),
});
export type JobSpan = t.TypeOf<typeof JobSpan>;

/**
 * A COPY job's original: the backup job, and its tape, whose segments and entries it
 * holds byte for byte. A copy of a copy names the first original, so every copy of a
 * job names the same one.
 */
export const CopyOrigin = t.type({ job: JobId, tape: TapeId });
export type CopyOrigin = t.TypeOf<typeof CopyOrigin>;

export const JobStarted = t.intersection([
  t.type({ job: JobId, tape: TapeId, type: JobType, encrypted: t.boolean }),
  t.partial({
    mode: BackupMode,
    host: t.string,
    /** BACKUP: the source roots, as absolute paths. */
    sources: t.array(t.string),
    /** BACKUP: the --exclude globs. */
    excludes: t.array(t.string),
    /** BACKUP: a new segment starts once the current one has passed this size. */
    segmentTargetBytes: Count,
    /** RESTORE: the target folder, and the job whose tree is restored. */
    target: t.string,
    asOfJob: JobId,
    /** BACKUP with --span: which part of a multi-tape job this tape holds. */
    span: JobSpan,
    /** COPY: the backup job (and its tape) this job is a copy of. */
    copyOf: CopyOrigin,
    /** Format features the whole job needs, known when it starts (docs/FORMAT.md, Format features). */
    features: FeatureList,
  }),
]);
export type JobStarted = t.TypeOf<typeof JobStarted>;

/** What a job did; the same totals whether it succeeded or not. */
export const JobTotals = t.type({ files: Count, bytesRead: Count, bytesWritten: Count, warnings: Count });
export type JobTotals = t.TypeOf<typeof JobTotals>;

/**
 * On an LTFS mount, the index generation an index write requested just before the end
 * event reached: everything the job wrote before its end is durable from that generation on.
 */
export const JobEndLtfs = t.partial({ ltfsIndexGeneration: Count });
export type JobEndLtfs = t.TypeOf<typeof JobEndLtfs>;

/** A span part that ended because its tape was full: the job goes on as the next part, on this tape. */
export const JobContinuation = t.partial({ next: SpanPart });
export type JobContinuation = t.TypeOf<typeof JobContinuation>;

export const JobCompleted = t.intersection([t.type({ job: JobId }), JobTotals, JobEndLtfs, JobContinuation]);
export type JobCompleted = t.TypeOf<typeof JobCompleted>;

export const JobFailed = t.intersection([t.type({ job: JobId, reason: t.string }), JobTotals, JobEndLtfs]);
export type JobFailed = t.TypeOf<typeof JobFailed>;

/** A started job found without an end (crash, power loss, tape pulled). */
export const JobInterrupted = t.type({ job: JobId, reason: t.string, detectedAt: IsoTime });
export type JobInterrupted = t.TypeOf<typeof JobInterrupted>;

const Sha256Hex = checked('Sha256Hex', t.string, (s) => /^[0-9a-f]{64}$/.test(s));

/** Nanoseconds since the epoch, as decimal text (beyond 2^53, so not a JSON number). */
export const NanoTime = checked('NanoTime', t.string, (s) => /^-?\d{1,22}$/.test(s));

export const EntryKind = t.keyof({ file: null, dir: null, symlink: null });
export type EntryKind = t.TypeOf<typeof EntryKind>;

/**
 * A piece of a file split across tapes by a spanning backup: `offset` is where the piece
 * starts in the file, `fileSize` the whole file's size. The entry's own `size`, `offset`
 * and `sha256` are then those of the piece's bytes in this segment.
 */
export const FileExtent = t.type({ offset: Count, fileSize: Count });
export type FileExtent = t.TypeOf<typeof FileExtent>;

/**
 * What `tar --xattrs --acls -p` keeps beyond mode, owner ids and mtime (docs/FORMAT.md,
 * Metadata): owner names, extended attributes (POSIX ACLs among them) and, for a second
 * name of a file archived earlier in the same job, that name. On an encrypted tape the
 * names and attributes are sealed texts of the entry's path, and `link` a sealed path.
 */
export const ArchivedMetadata = t.partial({
  uname: t.string,
  gname: t.string,
  /** A JSON array of [name, base64 value] pairs (sealed as a whole on an encrypted tape). */
  xattrs: t.string,
  /** A hard link: the catalogued path of the first name, whose data (segment, offset, hash) it shares. */
  link: t.string,
  /**
   * A sparse file archived without its holes: its data extents, [offset, length] in the
   * file, in order. Its data in the segment (at `offset`) is GNU tar's sparse map, then
   * these extents' bytes; `size` and `sha256` are the whole file's (holes as zeros).
   */
  sparse: t.array(t.tuple([Count, Count])),
});
export type ArchivedMetadata = t.TypeOf<typeof ArchivedMetadata>;

/**
 * One archived file, directory or symlink, by its original absolute path. Files carry
 * where their data lies in the segment (byte offset of the data, not of the header)
 * and the SHA-256 of that data.
 */
export const ArchivedEntry = t.intersection([
  t.type({ path: t.string, kind: EntryKind, size: Count, mtimeNs: NanoTime, mode: Count }),
  t.partial({
    offset: Count,
    sha256: Sha256Hex,
    target: t.string,
    uid: Count,
    gid: Count,
    extent: FileExtent,
    ctimeNs: NanoTime,
    inode: checked('Inode', t.string, (s) => /^\d{1,20}$/.test(s)),
  }),
  ArchivedMetadata,
]);
export type ArchivedEntry = t.TypeOf<typeof ArchivedEntry>;

/**
 * A closed segment: `LTO-ARCHIVE/jobs/<job>/<segment>.tar`, on tape and fsynced before this event.
 * `bytes` and `sha256` are those of the file as it lies on tape (on an encrypted tape: the
 * ciphertext, so a media check needs no key); an encrypted segment also records its
 * plaintext (tar) size and its chunk size.
 */
export const SegmentClosed = t.intersection([
  t.type({ job: JobId, segment: checked('SegmentNumber', Count, (n) => n >= 1), bytes: Count, sha256: Sha256Hex, entries: Count }),
  t.partial({
    plainBytes: Count,
    chunkBytes: checked('ChunkBytes', Count, (n) => n >= 4096 && n <= 64 * 1024 * 1024),
    /** Format features the segment's entries use (split files, sparse files, hard links): a reader that lacks one refuses the job. */
    features: FeatureList,
  }),
]);
export type SegmentClosed = t.TypeOf<typeof SegmentClosed>;

/** Entries written into one closed segment: a few thousand per event. */
export const FilesArchived = t.type({ job: JobId, segment: checked('SegmentNumber', Count, (n) => n >= 1), entries: t.array(ArchivedEntry) });
export type FilesArchived = t.TypeOf<typeof FilesArchived>;

/**
 * Closed segments of a job that are no longer on the tape: LTFS rolled the volume back to
 * an index written before them (a power loss). Their files no longer count as on this tape,
 * so the next incremental writes them again; a job that had succeeded becomes FAILED.
 */
export const SegmentsLost = t.type({
  job: JobId,
  segments: t.array(checked('SegmentNumber', Count, (n) => n >= 1)),
  reason: t.string,
  detectedAt: IsoTime,
});
export type SegmentsLost = t.TypeOf<typeof SegmentsLost>;

/** Paths that an incremental backup no longer found under its source roots. */
export const FilesDeleted = t.type({ job: JobId, paths: t.array(t.string) });
export type FilesDeleted = t.TypeOf<typeof FilesDeleted>;

/** Problems a job met and went past: unreadable or changing files, skipped specials, restore conflicts. */
export const JobWarned = t.type({ job: JobId, warnings: t.array(t.type({ path: t.string, reason: t.string })) });
export type JobWarned = t.TypeOf<typeof JobWarned>;

// ---- labels: definitions in label-<NAME>, assignments in tape-<TAPEID> ----

/** A label (a tag with a colour) was defined. */
export const LabelCreated = t.type({ label: LabelName, color: Colour });
export type LabelCreated = t.TypeOf<typeof LabelCreated>;

/** A label definition was removed (only when no tape carries it). */
export const LabelDeleted = t.type({ label: LabelName });
export type LabelDeleted = t.TypeOf<typeof LabelDeleted>;

/** A tape was given a label; the colour travels with it so a tape alone restores its labels. */
export const TapeLabelled = t.type({ tape: TapeId, label: LabelName, color: Colour });
export type TapeLabelled = t.TypeOf<typeof TapeLabelled>;

/** A label was taken off a tape. */
export const TapeUnlabelled = t.type({ tape: TapeId, label: LabelName });
export type TapeUnlabelled = t.TypeOf<typeof TapeUnlabelled>;

/**
 * A tape taken out of this catalog (`lto tape forget`): local only, never on its journal,
 * so the tape read back alone (`lto recover`) still has everything.
 */
export const TapeForgotten = t.type({ tape: TapeId });
export type TapeForgotten = t.TypeOf<typeof TapeForgotten>;

/** A forgotten tape read back by `lto recover`: the catalog shows it again (local only). */
export const TapeRecalled = t.type({ tape: TapeId });
export type TapeRecalled = t.TypeOf<typeof TapeRecalled>;

// ---- tape sets: definitions in set-<NAME>, membership and location in tape-<TAPEID> ----

/** A tape set was defined, with its copy policy (local catalog only: its tapes carry it). */
export const SetCreated = t.type({ set: SetName, copies: CopyCount, description: t.string });
export type SetCreated = t.TypeOf<typeof SetCreated>;

/**
 * A tape joined a set (for good: a tape belongs to one set). The set's policy travels
 * with it, so the tape read back alone (`lto recover`) knows its set and what it asks for.
 */
export const TapeJoinedSet = t.type({ tape: TapeId, set: SetName, copies: CopyCount, description: t.string });
export type TapeJoinedSet = t.TypeOf<typeof TapeJoinedSet>;

/** A tape was taken somewhere else: `library`, `shelf` or a place a person names ("Vault B"). */
export const TapeMoved = t.type({ tape: TapeId, location: Location });
export type TapeMoved = t.TypeOf<typeof TapeMoved>;

// ---- a tape's end of service: in tape-<TAPEID> ----

/** A job of the tape that had not its set's copies elsewhere when the tape was retired anyway (`--force`). */
export const UnprotectedJob = t.type({ job: t.string, files: t.number });
export type UnprotectedJob = t.TypeOf<typeof UnprotectedJob>;

/**
 * A tape was retired (`lto tape retire`): no backup or copy writes to it again, and it
 * no longer counts as a place holding its jobs. `lost`: what it alone held when it was
 * retired with `--force` (empty otherwise).
 */
export const TapeRetired = t.type({ tape: TapeId, forced: t.boolean, lost: t.array(UnprotectedJob) });
export type TapeRetired = t.TypeOf<typeof TapeRetired>;

/** Every job of the tape was copied to `to` and verified there (`lto migrate`): the tape may be retired. Its data stays restorable while it exists. */
export const TapeMigrated = t.type({ tape: TapeId, to: t.array(TapeId), jobs: t.number });
export type TapeMigrated = t.TypeOf<typeof TapeMigrated>;

const eventOf = <T extends string, C extends t.Mixed>(type: T, data: C) =>
  t.type({ type: t.literal(type), data });

/** Every event the domain knows, as `{ type, data }` (the envelope adds id, stream, version, schema, at). */
export const DomainEvent = t.union([
  eventOf('TapeInitialised', TapeInitialised),
  eventOf('TapeDescribed', TapeDescribed),
  eventOf('KeySlotAdded', KeySlotAdded),
  eventOf('JobStarted', JobStarted),
  eventOf('JobCompleted', JobCompleted),
  eventOf('JobFailed', JobFailed),
  eventOf('JobInterrupted', JobInterrupted),
  eventOf('SegmentClosed', SegmentClosed),
  eventOf('FilesArchived', FilesArchived),
  eventOf('SegmentsLost', SegmentsLost),
  eventOf('FilesDeleted', FilesDeleted),
  eventOf('JobWarned', JobWarned),
  eventOf('LabelCreated', LabelCreated),
  eventOf('LabelDeleted', LabelDeleted),
  eventOf('TapeLabelled', TapeLabelled),
  eventOf('TapeUnlabelled', TapeUnlabelled),
  eventOf('TapeForgotten', TapeForgotten),
  eventOf('TapeRecalled', TapeRecalled),
  eventOf('SetCreated', SetCreated),
  eventOf('TapeJoinedSet', TapeJoinedSet),
  eventOf('TapeMoved', TapeMoved),
  eventOf('TapeRetired', TapeRetired),
  eventOf('TapeMigrated', TapeMigrated),
]);
export type DomainEvent = t.TypeOf<typeof DomainEvent>;
export type EventType = DomainEvent['type'];
export type EventOfType<K extends EventType> = Extract<DomainEvent, { type: K }>;

/**
 * The schema version each event type is written with now. A reader upcasts older
 * schemas (see `upcast`) before decoding, so events written decades ago still read.
 */
export const CURRENT_SCHEMA: Readonly<Record<EventType, number>> = {
  TapeInitialised: 1,
  TapeDescribed: 1,
  KeySlotAdded: 1,
  JobStarted: 1,
  JobCompleted: 1,
  JobFailed: 1,
  JobInterrupted: 1,
  SegmentClosed: 1,
  FilesArchived: 1,
  SegmentsLost: 1,
  FilesDeleted: 1,
  JobWarned: 1,
  LabelCreated: 1,
  LabelDeleted: 1,
  TapeLabelled: 1,
  TapeUnlabelled: 1,
  TapeForgotten: 1,
  TapeRecalled: 1,
  SetCreated: 1,
  TapeJoinedSet: 1,
  TapeMoved: 1,
  TapeRetired: 1,
  TapeMigrated: 1,
};

export type EventDecodeProblem =
  | { readonly _tag: 'UnknownEventType'; readonly type: string }
  | { readonly _tag: 'UnsupportedSchema'; readonly type: string; readonly schema: number }
  | { readonly _tag: 'InvalidEventData'; readonly type: string; readonly problems: readonly string[] };

/**
 * Upcasters, keyed by event type, each lifting data of schema n to n + 1. Empty
 * while every type is at schema 1; a schema change adds its step here and a golden
 * fixture of the old schema to the tests.
 */
const UPCASTERS: Partial<Record<EventType, Readonly<Record<number, (data: unknown) => unknown>>>> = {};

const isEventType = (type: string): type is EventType => Object.prototype.hasOwnProperty.call(CURRENT_SCHEMA, type);

const upcast = (type: EventType, schema: number, data: unknown): E.Either<EventDecodeProblem, unknown> => {
  let current = data;
  for (let s = schema; s < CURRENT_SCHEMA[type]; s++) {
    const step = UPCASTERS[type]?.[s];
    if (step === undefined) return E.left({ _tag: 'UnsupportedSchema', type, schema });
    current = step(current);
  }
  return E.right(current);
};

/** Decodes an event's type and data, written with any schema this version can read. */
export const decodeDomainEvent = (type: string, schema: number, data: unknown): E.Either<EventDecodeProblem, DomainEvent> => {
  if (!isEventType(type)) return E.left({ _tag: 'UnknownEventType', type });
  if (!Number.isInteger(schema) || schema < 1 || schema > CURRENT_SCHEMA[type]) {
    return E.left({ _tag: 'UnsupportedSchema', type, schema });
  }
  return pipe(
    upcast(type, schema, data),
    E.chain((upcasted) =>
      pipe(
        DomainEvent.decode({ type, data: upcasted }),
        E.mapLeft((errors): EventDecodeProblem => ({ _tag: 'InvalidEventData', type, problems: describeErrors(errors) })),
      ),
    ),
  );
};

/** io-ts errors as short `field: expected X, got Y` lines (what PathReporter says, shorter). */
export const describeErrors = (errors: t.Errors): string[] => {
  const lines = errors.map((e) => {
    const path = e.context
      .map((c) => c.key)
      .filter((k) => k !== '' && !/^\d+$/.test(k))
      .join('.');
    const expected = e.context[e.context.length - 1]?.type.name ?? 'a value';
    return `${path === '' ? '(root)' : path}: expected ${expected}, got ${shortJson(e.value)}`;
  });
  return [...new Set(lines)];
};

const shortJson = (value: unknown): string => {
  const text = value === undefined ? 'nothing' : JSON.stringify(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
};

/** Which streams an event of this type belongs to. */
export const tapeStream = (tape: TapeId): string => `tape-${tape}`;
export const jobStream = (job: string): string => `job-${job}`;
/** Whether this catalog shows a tape (forgotten, recalled): local events, never on the tape. */
export const tapeCatalogStream = (tape: TapeId): string => `catalog-${tape}`;
