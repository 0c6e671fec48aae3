import * as t from 'io-ts';

/**
 * io-ts codecs of the `--json` shapes docs/JSON.md documents, one per command. The
 * contract test decodes every command's real output with these: a field renamed, dropped
 * or of another type in the code fails it, and so does a shape here that the doc lost.
 */

const nullable = <C extends t.Mixed>(codec: C) => t.union([codec, t.null]);
const Iso = t.refinement(t.string, (s) => /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/.test(s), 'IsoUtc');
const TapeId = t.refinement(t.string, (s) => /^[A-Z0-9]{6}(L[5-9A]|M8|PA|L[V-Z]|[A-Z0-9]{2})$/.test(s), 'TapeId');
const Uuid = t.refinement(t.string, (s) => /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(s), 'Uuid');
const Count = t.refinement(t.number, (n) => Number.isInteger(n) && n >= 0, 'Count');
const Upper = t.refinement(t.string, (s) => /^[A-Z][A-Z_]*$/.test(s), 'UPPER_CASE');
const JobStatus = t.keyof({ RUNNING: null, SUCCESS: null, FAILED: null, INTERRUPTED: null });
const Verdict = t.keyof({ PASSED: null, CORRUPTED: null, MISSING: null, INTERRUPTED: null });
const EntryType = t.keyof({ file: null, dir: null, symlink: null });

/** Every top-level object: `schema` 1 first (checked apart: io-ts does not see order). */
const top = <P extends t.Props>(props: P) => t.type({ schema: t.literal(1), ...props });

/** A job its set's copy policy finds short (`tape list`, `tape show`, `report`). */
const CopyFlag = t.type({
  job: Uuid,
  problem: t.keyof({ TOO_FEW_COPIES: null, ONE_PLACE: null }),
  copies: Count,
  required: Count,
  places: t.array(t.type({ tape: TapeId, location: t.string })),
});

export const Tape = t.type({
  tape: TapeId,
  generation: t.string,
  capacityBytes: Count,
  usedBytes: Count,
  description: t.string,
  encrypted: t.boolean,
  state: Upper,
  labels: t.array(t.string),
  set: nullable(t.string),
  location: t.string,
  copyFlags: t.array(CopyFlag),
});

const TapeCopy = t.type({
  from: TapeId,
  to: TapeId,
  status: JobStatus,
  bytes: Count,
  jobs: t.array(
    t.type({ original: Uuid, copy: Uuid, status: JobStatus, segments: Count, files: Count, bytes: Count, reason: nullable(t.string), damaged: t.array(t.type({ path: t.string, reason: t.string })) }),
  ),
  alreadyCopied: t.array(t.type({ job: Uuid, copy: Uuid })),
  skipped: t.array(t.type({ job: Uuid, reason: t.string })),
});

const SetShape = t.type({
  set: t.string,
  copies: Count,
  description: t.string,
  createdAt: Iso,
  tapes: t.array(t.type({ tape: TapeId, location: t.string, joinedAt: Iso })),
  onePlace: t.boolean,
});

export const Job = t.type({
  job: Uuid,
  tape: TapeId,
  type: Upper,
  mode: nullable(Upper),
  status: JobStatus,
  startedAt: Iso,
  endedAt: nullable(Iso),
  files: Count,
  bytes: Count,
  tapeBytes: Count,
  encrypted: t.boolean,
  warnings: Count,
  reason: nullable(t.string),
  host: t.string,
  span: nullable(t.type({ job: Uuid, part: Count })),
  sources: nullable(t.array(t.string)),
  copies: t.array(t.type({ tape: TapeId, job: Uuid, original: t.boolean })),
  copyOf: nullable(t.type({ tape: TapeId, job: Uuid })),
});

const Entry = t.type({
  path: t.string,
  name: t.string,
  type: EntryType,
  bytes: Count,
  mtime: Iso,
  mtimeNs: t.refinement(t.string, (s) => /^\d+$/.test(s), 'Nanoseconds'),
  job: Uuid,
  versions: Count,
  target: nullable(t.string),
  piece: nullable(t.type({ offset: Count, length: Count })),
  copies: t.array(t.type({ tape: TapeId, job: Uuid, original: t.boolean })),
});

const PlanPart = t.type({ entries: Count, files: Count, bytes: Count });
const Selection = t.type({ files: Count, bytes: Count, dirs: Count, symlinks: Count });
const TornTail = nullable(t.type({ record: Count, line: Count }));
const DamagedRecord = t.type({ record: Count, line: Count, kind: t.string, detail: t.string });
const Slot = t.type({ slot: t.string, kind: t.keyof({ passphrase: null, rsa: null }), createdAt: Iso, fingerprint: nullable(t.string), detail: t.string });
const SpanParts = t.array(t.type({ part: Count, tape: TapeId, job: Uuid, recorded: t.boolean }));

const VerifyReport = t.type({
  tape: TapeId,
  job: Uuid,
  verdict: Verdict,
  mode: t.keyof({ FULL: null, QUICK: null, NO_KEY: null }),
  tapeBytes: Count,
  journal: t.type({ records: Count, damaged: t.array(DamagedRecord), tornTail: TornTail }),
  jobs: t.array(
    t.type({
      job: Uuid,
      verdict: Verdict,
      segments: Count,
      filesChecked: Count,
      problems: t.array(t.type({ segment: Count, problem: t.string })),
      damaged: t.array(t.type({ path: t.string, segment: Count, offset: Count, verdict: Verdict, reason: t.string, copies: t.array(t.type({ tape: TapeId, job: Uuid })) })),
    }),
  ),
});

const Held = t.type({ files: Count, bytes: Count });

const LabelChange = { label: t.string, changed: t.boolean, pending: t.boolean };

/** The documented shape of each command's stdout, by the command words. */
export const SHAPES = {
  'tape add': top({ tape: TapeId, generation: t.string, capacityBytes: Count, mount: t.string, via: t.string, job: Uuid, outcome: t.keyof({ initialised: null, imported: null }), keySlots: Count, set: nullable(t.string) }),
  'tape move': top({ tape: TapeId, location: t.string, changed: t.boolean, pending: t.boolean }),
  'set create': top({ set: t.string, copies: Count, description: t.string, changed: t.boolean }),
  'set add': top({ set: t.string, tape: TapeId, changed: t.boolean, pending: t.boolean }),
  'set show': top(SetShape.props),
  'set list': top({ sets: t.array(SetShape) }),
  'tape retire': top({ tape: TapeId, retired: t.literal(true), changed: t.boolean, pending: t.boolean, lost: t.array(t.type({ job: Uuid, files: Count })) }),
  'tape list': top({ tapes: t.array(Tape) }),
  'tape show': top({
    ...Tape.props,
    format: nullable(t.string),
    volumeUuid: nullable(Uuid),
    initialisedAt: nullable(Iso),
    initialisedByJob: nullable(Uuid),
    jobs: Count,
    lastJobAt: nullable(Iso),
    pendingEvents: Count,
    mount: nullable(t.type({ path: t.string, via: t.string, imported: Count, flushed: Count, stillPending: Count, readOnly: t.boolean, healedTears: Count })),
    ltfs: nullable(t.UnknownRecord),
    drives: t.string,
    content: Held,
    backups: t.type({ finished: Count, succeeded: Count, interrupted: t.array(t.type({ job: Uuid, files: Count, bytes: Count })) }),
  }),
  'tape forget': top({ tape: TapeId, forgotten: t.boolean, jobs: Count, files: Count }),
  'tape history': top({
    tape: TapeId,
    events: t.array(
      t.type({ seq: nullable(Count), event: Uuid, type: t.string, at: Iso, stream: t.string, version: Count, eventSchema: Count, state: t.keyof({ written: null, pending: null, local: null }), data: t.UnknownRecord }),
    ),
  }),
  'tape describe': top({ tape: TapeId, description: t.string, changed: t.boolean, pending: t.boolean }),
  'tape keys': top({ tape: TapeId, slots: t.array(Slot) }),
  'tape add-slot': top({ tape: TapeId, slot: Slot, pending: t.boolean }),
  backup: top({
    tape: TapeId,
    set: nullable(t.string),
    job: nullable(Uuid),
    mode: t.keyof({ FULL: null, INCREMENTAL: null }),
    modeReason: t.string,
    status: t.union([JobStatus, t.literal('PLANNED')]),
    reason: nullable(t.string),
    plan: t.type({ new: PlanPart, modified: PlanPart, unchanged: PlanPart, deleted: Count, warnings: Count, estimatedBytes: Count }),
    files: Count,
    bytes: Count,
    tapeBytes: Count,
    segments: Count,
    parts: t.array(t.type({ part: Count, tape: TapeId, job: Uuid })),
    warnings: Count,
    notArchived: Count,
    warningList: t.array(t.type({ path: t.string, reason: t.string })),
  }),
  restore: top({
    tape: TapeId,
    job: nullable(Uuid),
    status: t.union([JobStatus, t.literal('PLANNED')]),
    asOfJob: Uuid,
    tapes: t.array(TapeId),
    selected: Selection,
    restored: Selection,
    skipped: Count,
    differs: Count,
    problems: t.array(t.type({ kind: t.string, path: t.string, reason: t.string })),
    tapeBytes: Count,
    notes: t.array(t.string),
    readFrom: nullable(t.type({ tape: TapeId, job: Uuid })),
    fallbacks: t.array(t.type({ path: t.string, tape: TapeId, job: Uuid, reason: t.string })),
  }),
  verify: t.intersection([top(VerifyReport.props), t.partial({ span: t.array(VerifyReport) })]),
  recover: top({
    complete: t.boolean,
    tapes: t.array(
      t.type({
        tape: TapeId,
        mount: t.string,
        volumeUuid: Uuid,
        encrypted: t.boolean,
        records: Count,
        imported: Count,
        skipped: t.array(DamagedRecord),
        tornTail: TornTail,
        salvagedEntries: Count,
        lost: t.array(t.string),
        jobs: Count,
        files: Count,
        bytes: Count,
        unfinishedJobs: t.array(Uuid),
        unsupportedJobs: t.array(t.type({ job: Uuid, features: t.array(t.string) })),
        spans: t.array(t.type({ part: Count, job: Uuid, span: t.type({ job: Uuid, parts: SpanParts }) })),
      }),
    ),
  }),
  browse: top({ tape: TapeId, asOfJob: Uuid, dir: nullable(t.string), entries: t.array(Entry) }),
  search: top({
    pattern: t.string,
    target: t.keyof({ name: null, path: null }),
    total: Count,
    shown: Count,
    truncated: t.boolean,
    lockedTapes: t.array(TapeId),
    results: t.array(t.type({ tape: TapeId, path: t.string, name: t.string, type: EntryType, bytes: Count, mtime: Iso, mtimeNs: t.string, job: Uuid, backedUpAt: Iso, copies: t.array(t.type({ tape: TapeId, job: Uuid, original: t.boolean })) })),
  }),
  // Two tapes, or (`--set A --to-set B`) two sets: each tape-to-tape copy made as `copy SRC DST` prints it.
  copy: t.union([
    top(TapeCopy.props),
    top({
      set: t.string,
      toSet: t.string,
      status: JobStatus,
      copies: t.array(TapeCopy),
      alreadyCopied: Count,
      skipped: t.array(t.type({ job: Uuid, reason: t.string })),
      stopped: nullable(t.string),
    }),
  ]),
  migrate: top({
    from: TapeId,
    to: t.array(TapeId),
    status: JobStatus,
    copies: t.array(TapeCopy),
    alreadyCopied: Count,
    verified: Count,
    notMigrated: t.array(t.type({ job: Uuid, reason: t.string })),
    migrated: t.boolean,
    pending: t.boolean,
  }),
  jobs: top({ jobs: t.array(Job) }),
  report: top({
    generatedAt: Iso,
    summary: t.type({ tapes: Count, good: Count, warning: Count, critical: Count, usedBytes: Count, capacityBytes: Count }),
    tapes: t.array(
      t.type({
        tape: TapeId,
        generation: t.string,
        description: t.string,
        encrypted: t.boolean,
        state: Upper,
        labels: t.array(t.string),
        set: nullable(t.string),
        location: t.string,
        capacityBytes: Count,
        usedBytes: Count,
        usage: t.number,
        health: t.keyof({ GOOD: null, WARNING: null, CRITICAL: null }),
        reasons: t.array(t.type({ level: t.keyof({ WARNING: null, CRITICAL: null }), text: t.string })),
        lastVerify: nullable(t.type({ status: JobStatus, at: Iso, ageDays: nullable(t.number) })),
        backups: t.type({ finished: Count, succeeded: Count, partial: Count, successRate: nullable(t.number) }),
        lastBackupAt: nullable(Iso),
        daysSinceLastBackup: nullable(t.number),
        content: t.type({ ...Held.props, newestBackup: nullable(t.type({ job: Uuid, status: JobStatus, at: Iso })) }),
        copyFlags: t.array(CopyFlag),
      }),
    ),
    sets: t.array(t.type({ set: t.string, copies: Count, tapes: Count, locations: t.array(t.string), onePlace: t.boolean })),
    unreadable: t.array(t.type({ tape: TapeId, generation: t.string, readBy: t.array(Count) })),
  }),
  'label create': top(LabelChange),
  'label delete': top(LabelChange),
  'label assign': top({ ...LabelChange, tape: TapeId }),
  'label unassign': top({ ...LabelChange, tape: TapeId }),
  'label list': top({ labels: t.array(t.type({ label: t.string, color: t.string, createdAt: Iso, tapes: Count })) }),
  'catalog rebuild': top({ events: Count, durationMs: Count }),
  'catalog copy': top({
    from: t.string,
    to: t.string,
    events: Count,
    tapes: Count,
    consistent: t.boolean,
    source: t.type({ events: Count, tables: t.array(t.type({ table: t.string, rows: Count })) }),
    target: t.type({ events: Count, tables: t.array(t.type({ table: t.string, rows: Count })) }),
    differences: t.array(t.type({ table: t.string, liveRows: Count, replayedRows: Count, firstLive: nullable(t.string), firstReplayed: nullable(t.string) })),
  }),
  'catalog check': top({
    consistent: t.boolean,
    events: Count,
    tables: t.array(t.type({ table: t.string, rows: Count })),
    differences: t.array(t.type({ table: t.string, liveRows: Count, replayedRows: Count, firstLive: nullable(t.string), firstReplayed: nullable(t.string) })),
  }),
  'config show': top({
    dataFolder: t.string,
    database: t.string,
    catalog: t.string,
    catalogKind: t.keyof({ sqlite: null, postgres: null }),
    catalogFrom: t.keyof({ '--catalog': null, LTO_CATALOG: null, config: null, '--db': null, LTO_DB: null, default: null }),
    configFile: t.string,
    drive: nullable(t.string),
    defaultTapes: t.string,
  }),
  'key generate': top({ publicKey: t.string, privateKey: t.string, bits: Count, fingerprint: t.string }),
  'barcode scan': t.union([
    top({ tape: TapeId, mediaCode: nullable(t.string), generation: nullable(t.string), source: t.string }),
    top({ source: t.string, barcodes: t.array(t.type({ text: t.string, tape: nullable(TapeId), mediaCode: nullable(t.string), generation: nullable(t.string), refused: nullable(t.string) })) }),
  ]),
  'barcode print': top({ file: t.string, paper: t.string, pages: Count, tapes: t.array(TapeId) }),
  /** One NDJSON progress line on stderr of `backup`, `restore`, `verify` with --json (not a command). */
  progress: t.intersection([
    top({ type: t.literal('progress'), phase: t.keyof({ scan: null, write: null, restore: null, verify: null }), bytes: Count, totalBytes: Count, at: Iso }),
    t.union([t.type({ entries: Count, totalEntries: Count }), t.type({ files: Count, totalFiles: Count }), t.type({ segments: Count, totalSegments: Count })]),
  ]),
  /** One NDJSON line of `logs export --json`. */
  'logs export': top({ at: Iso, tape: TapeId, job: nullable(Uuid), type: t.string, summary: t.string, seq: nullable(Count), state: t.string, event: Uuid }),
} as const;

export type Shaped = keyof typeof SHAPES;

/** The one stderr line of a command that failed with --json. */
export const ErrorLine = top({ error: t.type({ code: t.refinement(t.string, (s) => /^[A-Z][A-Za-z]+$/.test(s), 'ErrorCode'), message: t.string, exit: Count }) });
