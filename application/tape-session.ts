import * as E from 'fp-ts/Either';
import type { EventEnvelope } from '../domain/envelope';
import { tapeStream } from '../domain/events';
import { checkDomainEvent } from '../domain/event-check';
import type { TapeId } from '../domain/tape-id';
import type { VolumeLabel } from '../domain/volume-label';
import { defaultTapeFolder } from '../infrastructure/data-dir';
import { FolderTape, type JournalContents, type JournalHead, type TapeProblem, type VolumeProbe } from '../infrastructure/tape/tape-volume';
import type { App } from './app';
import type { AppError } from './errors';
import { recordLostSegments, unwriteLostEvents } from './journal-rollback';
import { cartridgeMismatch } from '../domain/cartridge';
import { ltfsIdentity } from '../infrastructure/tape/ltfs-attributes';
import { checkLtfsCartridge } from './ltfs-cartridge';
import { busyWith, describeHolder, lockFileOf } from './hold-tape-lock';
import { catalogAtMemo, rememberContact, rememberedContact } from './ltfs-contact';
import type { ContactMemo } from '../projections/ports/contact-memos';

/** What a command does with the tape: reads only (restore, verify), or may write to it. */
export type ContactPurpose = 'read' | 'write';

/** How the mount of a tape was found, in the order they are tried. */
export type MountSource = 'option' | 'remembered' | 'drive' | 'default';

export interface ContactReport {
  /** Events found on the tape's journal that the local store did not have. */
  readonly imported: number;
  /** Pending local events written to the journal now. */
  readonly flushed: number;
  /** Pending events that stay pending (the tape is write-protected). */
  readonly stillPending: number;
  readonly readOnly: boolean;
  readonly tornTail: { readonly record: number; readonly line: number } | undefined;
  readonly healedTears: number;
}

/** A tape that is mounted, checked to be the one asked for, and in sync with the local store. */
export interface TapeSession {
  readonly tape: TapeId;
  readonly mount: string;
  readonly via: MountSource;
  readonly label: VolumeLabel;
  /** The SHA-256 of volume.json as the contact found it (the journal's chain starts from it). */
  readonly labelHash: string;
  readonly report: ContactReport;
  /** Appends to the tape's journal; returns the seqs given to the events. */
  append(envelopes: readonly EventEnvelope[]): E.Either<TapeProblem, readonly number[]>;
  /** Remembers how far the journal is in the local store: call once the store holds what was appended. */
  commit(): Promise<void>;
  /** On an LTFS mount: asks for an index write and returns the index generation reached; undefined elsewhere. */
  syncIndex(): Promise<number | undefined>;
  /** The tape's lock file: on the tape for a folder, host-local for an LTFS cartridge (application/hold-tape-lock.ts). */
  readonly lockFile: string;
  /** Writes the tape's pending events (a read-only job's, at its end) in one append; quiet. */
  flushPending(): Promise<{ readonly flushed: number; readonly stillPending: number; readonly readOnly: boolean }>;
}

interface Located {
  readonly volume: FolderTape;
  readonly label: VolumeLabel;
  readonly labelHash: string;
  readonly via: MountSource;
  /** On LTFS: the cartridge is as the last contact left it; volume.json was not read (application/ltfs-contact.ts). */
  readonly memo?: ContactMemo;
}

/** Candidate mount points for a tape: `--mount` alone when given, else remembered, drive, default folder. */
export const mountCandidates = async (app: App, tape: TapeId, mountOption: string | undefined): Promise<[string, MountSource][]> => {
  if (mountOption !== undefined) return [[mountOption, 'option']];
  const all: [string | undefined, MountSource][] = [
    [await app.mounts.lastSeen(tape), 'remembered'],
    [app.config.drive, 'drive'],
    [defaultTapeFolder(app.dataDir, tape), 'default'],
  ];
  const seen = new Set<string>();
  const out: [string, MountSource][] = [];
  for (const [path, via] of all) {
    if (path === undefined || seen.has(path)) continue;
    seen.add(path);
    out.push([path, via]);
  }
  return out;
};

/** A blank LTFS mount whose cartridge names `tape` (its barcode or volume serial): it is that tape, not yet added. */
const isCartridgeOf = (tape: TapeId, mount: string): boolean => {
  const identity = ltfsIdentity(mount);
  const named = (identity?.barcode ?? '').trim() !== '' || (identity?.volumeSerial ?? '').trim() !== '';
  return identity !== undefined && named && cartridgeMismatch(tape, identity) === undefined;
};

/** Finds where `tape` is mounted; a mount holding another tape is `WrongTapeMounted`. */
export const locateTape = async (app: App, tape: TapeId, mountOption: string | undefined): Promise<E.Either<AppError, Located>> => {
  const candidates = await mountCandidates(app, tape, mountOption);
  for (const [path, via] of candidates) {
    const volume = new FolderTape(path);
    const memo = await rememberedContact(app, volume);
    if (memo !== undefined && memo.label.tape === tape) return E.right({ volume, label: memo.label, labelHash: memo.labelHash, via, memo });
  }
  const probes: [string, MountSource, E.Either<TapeProblem, VolumeProbe>][] = candidates.map(([path, via]) => [
    path,
    via,
    new FolderTape(path).probe(),
  ]);
  for (const [path, via, probe] of probes) {
    if (E.isRight(probe) && probe.right._tag === 'Labelled' && probe.right.label.tape === tape) {
      return E.right({ volume: new FolderTape(path), label: probe.right.label, labelHash: probe.right.labelHash, via });
    }
  }
  for (const [path, , probe] of probes) {
    if (E.isRight(probe) && probe.right._tag === 'Labelled') {
      return E.left({ _tag: 'WrongTapeMounted', expected: tape, found: probe.right.label.tape, mount: path });
    }
  }
  for (const [path, , probe] of probes) {
    if (E.isRight(probe) && probe.right._tag === 'Blank' && isCartridgeOf(tape, path)) return E.left({ _tag: 'CartridgeNotInitialised', tape, mount: path });
  }
  for (const [, via, probe] of probes) {
    if (E.isLeft(probe) && (via === 'option' || probe.left._tag !== 'MountMissing')) return probe;
  }
  return E.left({ _tag: 'TapeNotMounted', tape, tried: candidates.map(([path]) => path) });
};

/**
 * Contact with a tape (DESIGN §4 write order): check its identity, read its journal,
 * import what the local store misses (a crash between tape and local append), and
 * write what is pending locally (a tape that was write-protected last time).
 */
export const openTapeSession = async (
  app: App,
  tape: TapeId,
  mountOption: string | undefined,
  purpose: ContactPurpose = 'write',
): Promise<E.Either<AppError, TapeSession>> => {
  const located = await locateTape(app, tape, mountOption);
  if (E.isLeft(located)) return located;
  const cartridge = await checkCartridge(app, tape, located.right);
  if (E.isLeft(cartridge)) return cartridge;
  const ltfs = await checkLtfsCartridge(app, tape, located.right.volume.root, located.right.volume.ltfsIdentity());
  if (E.isLeft(ltfs)) return ltfs;
  return syncWithStore(app, tape, located.right, purpose);
};

const checkCartridge = async (app: App, tape: TapeId, located: Located): Promise<E.Either<AppError, void>> => {
  const known = await app.catalog.tapeInfo(tape);
  if (known === undefined || known.volumeUuid === located.label.volumeUuid) return E.right(undefined);
  return E.left({
    _tag: 'DifferentCartridge',
    tape,
    mount: located.volume.root,
    expectedVolume: known.volumeUuid,
    foundVolume: located.label.volumeUuid,
  });
};

const syncWithStore = async (app: App, tape: TapeId, located: Located, purpose: ContactPurpose): Promise<E.Either<AppError, TapeSession>> => {
  const volumeUuid = located.label.volumeUuid;
  const remembered = await journalAtMemo(app, tape, located);
  const journal = remembered === undefined ? await readJournalOf(app, tape, located) : E.right(remembered);
  if (E.isLeft(journal)) return journal;
  const contents = journal.right;
  // Only a journal read whole and clean is worth remembering (a torn tail is reported at each contact).
  const clean = contents.tornTail === undefined && contents.healedTears === 0 && contents.breaks === 0;
  const checked = checkJournalEvents(tape, contents.records);
  if (E.isLeft(checked)) return checked;
  const lost = await unwriteLostEvents(app, tape, contents.records, contents.head.seq);
  const imported = await app.store.importEvents(
    contents.records.map((r) => r.event),
    { tape, state: 'written', seqs: contents.records.map((r) => r.seq) },
  );
  if (E.isLeft(imported)) return imported;
  if (lost > 0) {
    const repaired = await recordLostSegments(app, tape, (job, segment) => located.volume.segmentSize(job, segment));
    if (E.isLeft(repaired)) return repaired;
  }
  let head = contents.head;
  let cursor = contents.cursor;
  const append = (envelopes: readonly EventEnvelope[]): E.Either<TapeProblem, readonly number[]> => {
    const known = cursor !== undefined && cursor.head.seq === head.seq && cursor.head.hash === head.hash ? cursor.headLength : undefined;
    const result = located.volume.appendJournal(head, envelopes, known);
    if (E.isLeft(result)) return result;
    head = result.right.head;
    cursor =
      cursor === undefined || envelopes.length === 0
        ? cursor
        : { byteOffset: result.right.endOffset, line: cursor.line + envelopes.length, head, headLength: result.right.headLength };
    return E.right(result.right.seqs);
  };
  const commit = () => app.cursors.save(tape, volumeUuid, cursor);
  await commit();
  if (imported.right.imported.length > 0) {
    app.notice(`imported ${imported.right.imported.length} event(s) of ${tape} from its journal that the catalog was missing`);
  }
  const ltfs = located.volume.ltfsIdentity();
  const lockFile = lockFileOf(app, located.volume.root, ltfs?.volumeUuid);
  // On LTFS a restore or verify writes once, at its end: the tape's pending events go with its own
  // (each append is a locate to the end of data and an index write on a real drive).
  const holdsEvents = purpose === 'read' && ltfs !== undefined;
  const syncIndex = async (): Promise<number | undefined> => {
    const generation = located.volume.syncIndex();
    if (generation !== undefined && clean) await rememberContact(app, located.volume, located.label, located.labelHash, head);
    return generation;
  };
  const flush = holdsEvents ? { flushed: 0, stillPending: (await app.store.pendingFor(tape)).length, readOnly: false } : await flushPending(app, tape, lockFile, append);
  await commit();
  // A contact that read or wrote the tape leaves a memo for the next one (an index write with nothing new to write costs nothing).
  if (remembered === undefined || flush.flushed > 0) await syncIndex();
  await app.mounts.remember(tape, located.volume.root, app.clock().toISOString());
  const report: ContactReport = {
    imported: imported.right.imported.length,
    flushed: flush.flushed,
    stillPending: flush.stillPending,
    readOnly: flush.readOnly,
    tornTail: contents.tornTail,
    healedTears: contents.healedTears,
  };
  const flushJob = async () => {
    const flushed = await flushPending(app, tape, lockFile, append, true);
    await commit();
    return flushed;
  };
  return E.right({ tape, mount: located.volume.root, via: located.via, label: located.label, labelHash: located.labelHash, report, append, commit, syncIndex, lockFile, flushPending: flushJob });
};

/**
 * The journal as the memo left it, without reading it: only when the contact found the
 * cartridge as the memo took it and the catalog has written nothing to it since.
 */
const journalAtMemo = async (app: App, tape: TapeId, located: Located): Promise<JournalContents | undefined> => {
  const memo = located.memo;
  if (memo === undefined || !(await catalogAtMemo(app, memo))) return undefined;
  const cursor = await app.cursors.get(tape, located.label.volumeUuid);
  if (cursor !== undefined && (cursor.head.seq !== memo.head.seq || cursor.head.hash !== memo.head.hash)) return undefined;
  return { records: [], head: memo.head, cursor, tornTail: undefined, healedTears: 0, breaks: 0 };
};

/** Why an event cannot be in this tape's journal (another tape's, or data that does not decode), if it cannot. */
export const journalEventProblem = (tape: TapeId, event: EventEnvelope): string | undefined => {
  if (event.stream.startsWith('tape-') && event.stream !== tapeStream(tape)) return `stream ${event.stream}`;
  const decoded = checkDomainEvent(event.type, event.schema, event.data);
  if (E.isLeft(decoded)) return decoded.left._tag === 'UnknownEventType' ? undefined : `${event.type} does not decode: ${JSON.stringify(decoded.left)}`;
  const d = decoded.right;
  // Forgetting is this catalog's own business: a journal that says so is not to be believed.
  if (d.type === 'TapeForgotten' || d.type === 'TapeRecalled' || d.type === 'SetCreated') return `${d.type} is a local catalog event, never on a tape`;
  const ofATape = d.type === 'JobStarted' || d.type === 'TapeInitialised' || d.type === 'TapeDescribed' || d.type === 'KeySlotAdded' || d.type === 'TapeJoinedSet' || d.type === 'TapeMoved' || d.type === 'TapeRetired' || d.type === 'TapeMigrated';
  if (ofATape && d.data.tape !== tape) {
    return `${d.type} names tape ${d.data.tape}`;
  }
  return undefined;
};

/**
 * A journal damaged *behind* what the catalog already holds (a record damaged after it
 * was read, or one skipped by `lto recover --salvage`: the catalog has records past it)
 * stays readable: the journal is read around the damage, with a notice each time, so the
 * tape's files can still be restored and verified. Damage the catalog has not got past
 * (a stray record at the end, a tape it does not know) is refused, naming the record.
 */
const readJournalOf = async (app: App, tape: TapeId, located: Located): Promise<E.Either<AppError, JournalContents>> => {
  const journal = located.volume.readJournal(located.labelHash, await app.cursors.get(tape, located.label.volumeUuid));
  if (E.isRight(journal) || journal.left._tag !== 'JournalBroken' || (await app.catalog.tape(tape)) === undefined) return journal;
  const known = (await app.store.tapeEvents(tape)).reduce((max, e) => Math.max(max, e.seq ?? 0), 0);
  if (journal.left.record >= known) return journal;
  const around = located.volume.readJournal(located.labelHash, undefined, true);
  if (E.isRight(around)) {
    app.notice(`the journal of ${tape} is damaged at record ${journal.left.record} (${journal.left.kind}); read around ${around.right.breaks} damaged place(s): run \`lto verify ${tape}\``);
  }
  return around;
};

/** Every event in a tape's journal must be about that tape: a journal is never trusted blindly. */
const checkJournalEvents = (
  tape: TapeId,
  records: readonly { readonly seq: number; readonly event: EventEnvelope }[],
): E.Either<AppError, void> => {
  for (const { seq, event } of records) {
    const problem = journalEventProblem(tape, event);
    if (problem !== undefined) return E.left({ _tag: 'ForeignJournalEvent', tape, seq, detail: problem });
  }
  return E.right(undefined);
};

const flushPending = async (
  app: App,
  tape: TapeId,
  lockFile: string,
  append: (envelopes: readonly EventEnvelope[]) => E.Either<TapeProblem, readonly number[]>,
  quiet = false,
): Promise<{ flushed: number; stillPending: number; readOnly: boolean }> => {
  const pending = await app.store.pendingFor(tape);
  if (pending.length === 0) return { flushed: 0, stillPending: 0, readOnly: false };
  // Another lto writing to the tape now would find the journal's head moved under it.
  const holder = busyWith(app, lockFile);
  if (holder !== undefined) {
    app.notice(`${pending.length} event(s) of ${tape} stay pending: the tape is in use by ${describeHolder(holder)}`);
    return { flushed: 0, stillPending: pending.length, readOnly: false };
  }
  const envelopes = pending.map(({ position: _position, ...envelope }) => envelope);
  const written = append(envelopes);
  if (E.isLeft(written)) {
    app.notice(`${pending.length} event(s) of ${tape} stay pending: the tape is not writable (${written.left._tag})`);
    return { flushed: 0, stillPending: pending.length, readOnly: true };
  }
  await app.store.markWritten(
    tape,
    pending.map((event, i) => ({ id: event.id, seq: written.right[i] ?? 0 })),
  );
  if (!quiet) app.notice(`wrote ${pending.length} pending event(s) to the journal of ${tape}`);
  return { flushed: pending.length, stillPending: 0, readOnly: false };
};

export type { JournalHead };

/**
 * For commands that do not need the tape: a session when it is mounted (and is the right
 * one), none when it simply is not mounted. Any other problem (wrong tape, damaged
 * journal, `--mount` that does not hold it) is still an error.
 */
export const openTapeSessionIfMounted = async (
  app: App,
  tape: TapeId,
  mountOption: string | undefined,
): Promise<E.Either<AppError, TapeSession | undefined>> => {
  const session = await openTapeSession(app, tape, mountOption);
  if (E.isRight(session)) return session;
  if (session.left._tag === 'TapeNotMounted' && mountOption === undefined) return E.right(undefined);
  return session;
};
