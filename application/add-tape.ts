import type { KeyObject } from 'node:crypto';
import * as fs from 'node:fs';
import * as E from 'fp-ts/Either';
import { generationDisagreement } from '../domain/capacity';
import { FORMAT, jobStream, tapeStream } from '../domain/events';
import { JobId, VolumeUuid } from '../domain/ids';
import { NO_TOTALS, jobDecider, type JobCommand, type JobState } from '../domain/job/job';
import { tapeDecider, type TapeState } from '../domain/tape/tape';
import { capacityOf, type Generation, type TapeId } from '../domain/tape-id';
import type { KeySlot } from '../domain/key-slots';
import type { VolumeLabel } from '../domain/volume-label';
import { passphraseSlot, rebindSlots, rsaSlot } from '../infrastructure/crypto/key-slot-sealing';
import { TapeKeys } from '../infrastructure/crypto/tape-keys';
import { defaultTapeFolder } from '../infrastructure/data-dir';
import { ltfsCapacity, ltfsIdentity } from '../infrastructure/tape/ltfs-attributes';
import { FolderTape } from '../infrastructure/tape/tape-volume';
import type { App } from './app';
import type { AppError } from './errors';
import { mintId } from './mint-id';
import { decideOn, loadStream, recordDecisions, type Decision } from './handle';
import { checkLtfsCartridge } from './ltfs-cartridge';
import { generationFor } from './tape-id-input';
import { openTapeSession, type MountSource } from './tape-session';
import { isForgotten } from './forget-tape';
import type { OpeningSecret } from './unlock';

export interface AddTapeInput {
  readonly barcode: string;
  readonly mount: string | undefined;
  readonly description: string;
  readonly generation: string | undefined;
  /**
   * What the cartridge holds, when less than its generation's native capacity (a
   * partitioned cartridge, or a folder standing in for a small tape); recorded in its events.
   */
  readonly capacityBytes?: number;
  /** An encrypted tape: a slot for the passphrase and one per public key (at least one of them, or `keyOf`). */
  readonly encryption?: {
    readonly passphrase: string | undefined;
    readonly publicKeys: readonly KeyObject[];
    /** `--key-of SRC`: the data key of another tape (unlocked), its slots that the secret opened bound to this tape. */
    readonly keyOf?: KeyOfTape;
  };
}

/** An unlocked tape whose data key a new tape takes, so that copies of its jobs stay sealed as they are. */
export interface KeyOfTape {
  readonly tape: TapeId;
  readonly dataKey: Buffer;
  readonly slots: readonly KeySlot[];
  readonly secret: OpeningSecret;
}

export interface AddTapeResult {
  readonly tape: TapeId;
  readonly generation: Generation;
  readonly capacityBytes: number;
  readonly mount: string;
  readonly via: MountSource;
  readonly job: string;
  /** `initialised`: a blank volume got its label; `imported`: it already was this tape, its journal was read in. */
  readonly outcome: 'initialised' | 'imported';
  /** Key slots of an encrypted tape (0: plain). */
  readonly slots: number;
}

/**
 * AddTape is a job: on a blank volume it writes volume.json, then JobStarted,
 * TapeInitialised and JobCompleted to the journal, then to the local store.
 */
export const addTape = async (app: App, input: AddTapeInput): Promise<E.Either<AppError, AddTapeResult>> => {
  const chosen = generationFor(input.barcode, input.generation);
  if (E.isLeft(chosen)) return chosen;
  const { tape, generation } = chosen.right;
  if ((await app.catalog.tape(tape)) !== undefined) return E.left({ _tag: 'TapeAlreadyRegistered', tape });
  // Forgotten, its stream is still in the store: initialising it again would write a second start to its journal.
  const forgotten = await isForgotten(app, tape);
  if (E.isLeft(forgotten)) return forgotten;
  if (forgotten.right) return E.left({ _tag: 'TapeForgottenHere', tape });
  const { mount, via } = chooseMount(app, tape, input.mount);
  const identity = ltfsIdentity(mount);
  const prepared = prepareMount(mount, via);
  if (E.isLeft(prepared)) return prepared;
  // On LTFS the cartridge's own barcode must be the one given.
  const cartridge = await checkLtfsCartridge(app, tape, mount, identity);
  if (E.isLeft(cartridge)) return cartridge;
  const probed = new FolderTape(mount).probe();
  if (E.isLeft(probed)) return probed;
  const probe = probed.right;
  if (probe._tag === 'Labelled') {
    if (probe.label.tape !== tape) {
      return E.left({ _tag: 'VolumeBelongsToOtherTape', mount, found: probe.label.tape, requested: tape });
    }
    return adoptLabelledVolume(app, tape, input, mount, via, probe.label);
  }
  if (input.capacityBytes !== undefined && !(input.capacityBytes > 0 && input.capacityBytes <= capacityOf(generation))) {
    return E.left({ _tag: 'InvalidOption', option: '--capacity', value: String(input.capacityBytes), expected: `more than 0 and at most the native ${capacityOf(generation)} bytes` });
  }
  warnIfCapacityDisagrees(app, tape, generation, mount);
  return initialiseVolume(app, {
    tape, generation, description: input.description, mount, via, existing: undefined, encryption: input.encryption, ltfsVolumeUuid: identity?.volumeUuid,
    capacityBytes: input.capacityBytes,
  });
};

/** An L7 id on a cartridge that holds 2.5 TB is most likely a mislabelled LTO-6: said, not refused (the media figures decide the room). */
const warnIfCapacityDisagrees = (app: App, tape: TapeId, generation: Generation, mount: string): void => {
  const media = ltfsCapacity(mount);
  if (media === undefined) return;
  const disagreement = generationDisagreement(generation, media.totalBytes);
  if (disagreement === undefined) return;
  const gb = (bytes: number): string => `${(bytes / 1e9).toFixed(1)} GB`;
  app.notice(
    `warning: ${tape} is an ${disagreement.expected} id (native ${gb(disagreement.nativeBytes)}), but the cartridge holds ${gb(media.totalBytes)}` +
      (disagreement.fitting === undefined ? '' : `, as an ${disagreement.fitting} would`) +
      ': check the barcode label; the room for backups comes from the cartridge',
  );
};

const chooseMount = (app: App, tape: TapeId, option: string | undefined): { mount: string; via: MountSource } => {
  if (option !== undefined) return { mount: option, via: 'option' };
  if (app.config.drive !== undefined) return { mount: app.config.drive, via: 'drive' };
  return { mount: defaultTapeFolder(app.dataDir, tape), via: 'default' };
};

/** Only the folder-backed default is created; a mount point given by a person must exist. */
const prepareMount = (mount: string, via: MountSource): E.Either<AppError, void> => {
  if (via === 'default') fs.mkdirSync(mount, { recursive: true });
  return new FolderTape(mount).checkWritable();
};

/**
 * A volume already labelled with this id but unknown here: a crash after the tape was
 * written, or a catalog that was lost. Read its journal in; if the crash came before
 * any journal record, finish the initialisation with the label that is there.
 */
const adoptLabelledVolume = async (
  app: App,
  tape: TapeId,
  input: AddTapeInput,
  mount: string,
  via: MountSource,
  label: VolumeLabel,
): Promise<E.Either<AppError, AddTapeResult>> => {
  const session = await openTapeSession(app, tape, mount);
  if (E.isLeft(session)) return session;
  const known = await app.catalog.tape(tape);
  if (known === undefined) {
    const ltfsVolumeUuid = ltfsIdentity(mount)?.volumeUuid;
    return initialiseVolume(app, {
      tape, generation: label.generation, description: input.description, mount, via, existing: label, encryption: undefined, ltfsVolumeUuid,
      capacityBytes: input.capacityBytes,
    });
  }
  const job = (await app.catalog.tapeInfo(tape))?.initialisedByJob ?? '';
  return E.right({
    tape,
    generation: known.generation,
    capacityBytes: known.capacityBytes,
    mount: session.right.mount,
    via,
    job,
    outcome: 'imported',
    slots: (await app.catalog.keySlots(tape)).length,
  });
};

interface Initialisation {
  readonly tape: TapeId;
  readonly generation: Generation;
  readonly description: string;
  readonly mount: string;
  readonly via: MountSource;
  /** The label already on the volume (an initialisation that crashed before its journal). */
  readonly existing: VolumeLabel | undefined;
  readonly encryption: AddTapeInput['encryption'];
  /** On an LTFS mount: the cartridge's LTFS volume UUID, recorded in TapeInitialised. */
  readonly ltfsVolumeUuid: string | undefined;
  readonly capacityBytes: number | undefined;
}

/**
 * The key slots of a new tape: a random data key (or, `--key-of`, the other tape's, with
 * the slots its secret opened bound to this tape), wrapped once per secret. The data
 * key itself is dropped here: from now on only a slot's secret gets it back.
 */
const newKeySlots = (app: App, tape: TapeId, encryption: AddTapeInput['encryption']): KeySlot[] => {
  if (encryption === undefined) return [];
  const keyOf = encryption.keyOf;
  const { dataKey } = keyOf === undefined ? TapeKeys.generate() : new TapeKeys(keyOf.dataKey);
  const created = app.clock().toISOString();
  const slots: KeySlot[] = keyOf === undefined ? [] : rebindSlots(keyOf.tape, tape, keyOf.slots, dataKey, keyOf.secret);
  slots.push(...encryption.publicKeys.map((key) => rsaSlot(tape, dataKey, key, created)));
  if (encryption.passphrase !== undefined) slots.push(passphraseSlot(tape, dataKey, encryption.passphrase, created));
  dataKey.fill(0);
  return slots;
};

/**
 * The job's start is decided first (a label that cannot be written fails it, locally);
 * then the label is written and made durable, and the start, the tape's initialisation
 * and the job's end go to the journal in one append, then to the local store.
 */
const initialiseVolume = async (app: App, init: Initialisation): Promise<E.Either<AppError, AddTapeResult>> => {
  const job = mintId(JobId, app.newId());
  const volumeUuid = init.existing?.volumeUuid ?? mintId(VolumeUuid, app.newId());
  const capacityBytes = init.capacityBytes ?? capacityOf(init.generation);
  const slots = init.existing !== undefined ? (init.existing.encryption?.slots ?? []) : newKeySlots(app, init.tape, init.encryption);
  const startJob: JobCommand = { type: 'StartJob', job, tape: init.tape, jobType: 'ADD_TAPE', encrypted: slots.length > 0, host: app.host };
  const stream = await loadStream(app, jobDecider, jobStream(job));
  if (E.isLeft(stream)) return stream;
  const decided = decideOn(app, jobDecider, stream.right, startJob);
  if (E.isLeft(decided)) return decided;
  const started: Decision<JobState> = { ...decided.right, meta: { pid: app.pid } };
  const labelWritten = writeLabelOnce(app, init, volumeUuid, slots);
  if (E.isLeft(labelWritten)) return failJob(app, init.tape, job, started, labelWritten.left);
  app.crashPoint('after-volume-label');
  // On LTFS: the label is made durable by an index write, whose generation the end event records.
  const generation = new FolderTape(init.mount).syncIndex();
  const initialised = await decideInitialisation(app, init, { job, volumeUuid, capacityBytes, slots });
  if (E.isLeft(initialised)) return initialised;
  const completed = decideOn(app, jobDecider, started, {
    type: 'CompleteJob',
    job,
    totals: NO_TOTALS,
    ...(generation === undefined ? {} : { ltfsIndexGeneration: generation }),
  });
  if (E.isLeft(completed)) return completed;
  const session = await openTapeSession(app, init.tape, init.mount);
  if (E.isLeft(session)) return session;
  const recorded = await recordDecisions(app, [started, initialised.right, completed.right], { to: 'journal', tape: init.tape, session: session.right });
  if (E.isLeft(recorded)) return recorded;
  if (!recorded.right.pending) await session.right.syncIndex();
  return E.right({
    tape: init.tape,
    generation: init.generation,
    capacityBytes,
    mount: init.mount,
    via: init.via,
    job,
    outcome: 'initialised',
    slots: slots.length,
  });
};

/** TapeInitialised (and a KeySlotAdded per slot) on the tape's stream. */
const decideInitialisation = async (
  app: App,
  init: Initialisation,
  made: { readonly job: JobId; readonly volumeUuid: VolumeUuid; readonly capacityBytes: number; readonly slots: readonly KeySlot[] },
): Promise<E.Either<AppError, Decision<TapeState>>> => {
  const stream = await loadStream(app, tapeDecider, tapeStream(init.tape));
  if (E.isLeft(stream)) return stream;
  return decideOn(app, tapeDecider, stream.right, {
    type: 'InitialiseTape',
    tape: init.tape,
    generation: init.generation,
    capacityBytes: made.capacityBytes,
    description: init.description,
    volumeUuid: made.volumeUuid,
    job: made.job,
    slots: made.slots,
    ...(init.ltfsVolumeUuid === undefined ? {} : { ltfsVolumeUuid: init.ltfsVolumeUuid }),
  });
};

const writeLabelOnce = (app: App, init: Initialisation, volumeUuid: VolumeUuid, slots: readonly KeySlot[]): E.Either<AppError, void> => {
  if (init.existing !== undefined) return E.right(undefined);
  const label: VolumeLabel = {
    format: FORMAT,
    tape: init.tape,
    generation: init.generation,
    volumeUuid,
    created: app.clock().toISOString(),
    ...(slots.length === 0 ? {} : { encryption: { cipher: 'AES-256-GCM', slots: [...slots] } }),
  };
  return E.map(() => undefined)(new FolderTape(init.mount).writeLabel(label));
};

/** The label could not be written: the job is recorded FAILED locally (the tape has no journal to hold it). */
const failJob = async (app: App, tape: TapeId, job: JobId, started: Decision<JobState>, cause: AppError): Promise<E.Either<AppError, never>> => {
  const failed = decideOn(app, jobDecider, started, { type: 'FailJob', job, reason: describeCause(cause), totals: NO_TOTALS });
  if (E.isRight(failed)) await recordDecisions(app, [started, failed.right], { to: 'local', tape });
  return E.left(cause);
};

const describeCause = (cause: AppError): string =>
  'code' in cause && typeof cause.code === 'string' ? `${cause._tag} (${cause.code})` : cause._tag;
