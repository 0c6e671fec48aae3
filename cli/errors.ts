import { isBarcodeError } from '../application/barcode-errors';
import { describeUnknownFeatures } from '../domain/format-features';
import type { AppError } from '../application/errors';
import type { EventDecodeProblem } from '../domain/events';
import { renderBarcodeError } from './barcode-error-lines';
import { EXIT, exitForSignal, type ExitCode } from './exit-codes';
import { formatBytes, shortId } from './ui/format';

export interface Rendered {
  readonly message: string;
  readonly exit: ExitCode;
}

const list = (items: readonly string[]): string => items.join('; ');

/** "mount A00012 (Vault B) or its copy B00003 (library)": the tape first, then its copies, each with where it is. */
export const tapesToMount = (places: readonly { readonly tape: string; readonly location: string }[]): string => {
  const [first, ...copies] = places.map((p) => `${p.tape} (${p.location})`);
  if (copies.length === 0) return `mount ${first ?? ''}`;
  return `mount ${first ?? ''} or ${copies.length === 1 ? 'its copy' : 'one of its copies'} ${copies.join(', ')}`;
};

/** The one place where every error becomes one line for a person and one exit code. */
/** A write that meets these found the tape's mount gone (ENOENT: the folder below an unmounted mount point). */
const MOUNT_GONE_CODES = new Set(['ENOTCONN', 'ENOENT', 'ENODEV']);

/** `<mount>/LTO-ARCHIVE/...` → `<mount>`. */
const mountOf = (file: string): string => {
  const at = file.lastIndexOf('/LTO-ARCHIVE/');
  return at === -1 ? file : file.slice(0, at);
};

const REMOUNT_ADVICE = (mount: string): string =>
  `unmount it (\`fusermount -u ${mount}\`), mount the cartridge again (when ltfs refuses, run \`ltfsck\` on the device first), then run the next command: it repairs what LTFS rolled back`;

const decodeProblem = (problem: EventDecodeProblem): string => {
  switch (problem._tag) {
    case 'UnknownEventType':
      return 'a type this version does not know';
    case 'UnsupportedSchema':
      return `schema ${problem.schema}, which this version cannot read`;
    case 'InvalidEventData':
      return list(problem.problems);
  }
};

export const renderError = (error: AppError): Rendered => {
  if (isBarcodeError(error)) return renderBarcodeError(error, renderError);
  switch (error._tag) {
    case 'MalformedBarcode':
      return { message: `"${error.input}" is not an LTO barcode: expected ${error.expected}`, exit: EXIT.USAGE };
    case 'LegacyMediaCode':
      return { message: `${error.input}: ${error.detail}`, exit: EXIT.USAGE };
    case 'CleaningCartridge':
      return { message: `${error.input} is a cleaning cartridge (CLN...), not a data tape`, exit: EXIT.USAGE };
    case 'GenerationUnknown':
      return {
        message: `cannot tell the LTO generation from "${error.input}" (media code ${error.mediaCode}): give --generation L5|L6|L7|M8|L8|L9|LA|PA`,
        exit: EXIT.USAGE,
      };
    case 'GenerationMismatch':
      return {
        message: `${error.tape} is an ${error.fromBarcode} barcode but --generation says ${error.given}: leave --generation out or fix the barcode`,
        exit: EXIT.USAGE,
      };
    case 'TapeNotRegistered':
      return { message: `tape ${error.tape} is not in the catalog: add it with \`lto tape add ${error.tape}\``, exit: EXIT.TAPE };
    case 'TapeForgottenHere':
      return { message: `tape ${error.tape} was forgotten by this catalog: \`lto recover --mount PATH\` of its cartridge brings it back`, exit: EXIT.TAPE };
    case 'TapeAlreadyRegistered':
      return { message: `tape ${error.tape} is already in the catalog: see \`lto tape show ${error.tape}\``, exit: EXIT.TAPE };
    case 'CartridgeNotInitialised':
      return {
        message: `the cartridge at ${error.mount} is ${error.tape} by its LTFS barcode but is not initialised for lto (no LTO-ARCHIVE/volume.json): add it with \`lto tape add ${error.tape} --mount ${error.mount}\``,
        exit: EXIT.TAPE,
      };
    case 'TapeNotMounted':
      return {
        message: `tape ${error.tape} is not mounted (looked in ${list(error.tried)}): mount it and give --mount PATH`,
        exit: EXIT.TAPE,
      };
    case 'TapeOrCopyNotMounted':
      return {
        message: `tape ${error.tape} is not mounted${error.tried.length === 0 ? '' : ` (looked in ${list(error.tried)})`}: ${tapesToMount(error.places)} and give --mount PATH`,
        exit: EXIT.TAPE,
      };
    case 'WrongTapeMounted':
      return {
        message: `wrong tape mounted at ${error.mount}: expected ${error.expected}, found ${error.found}; nothing was written`,
        exit: EXIT.TAPE,
      };
    case 'DifferentCartridge':
      return {
        message: `the cartridge at ${error.mount} is labelled ${error.tape} but is not the ${error.tape} in the catalog (volume ${error.foundVolume}, expected ${error.expectedVolume}); nothing was written`,
        exit: EXIT.TAPE,
      };
    case 'CartridgeBarcodeMismatch':
      return {
        message: `the cartridge at ${error.mount} is ${error.cartridge} (from its cartridge memory), not ${error.tape}; nothing was written`,
        exit: EXIT.TAPE,
      };
    case 'VolumeBelongsToOtherTape':
      return {
        message: `the volume at ${error.mount} is already tape ${error.found}, not ${error.requested}: use \`lto tape add ${error.found} --mount ${error.mount}\` to register it (recovery reads its catalog back)`,
        exit: EXIT.TAPE,
      };
    case 'MountMissing':
      return { message: `mount path ${error.path} does not exist`, exit: EXIT.TAPE };
    case 'MountNotFolder':
      return { message: `mount path ${error.path} is not a folder`, exit: EXIT.TAPE };
    case 'MountNotWritable':
      return { message: `mount path ${error.path} is not writable (${error.code}): is the cartridge write-protected?`, exit: EXIT.TAPE };
    case 'MountDisconnected':
      return {
        message: `the mount at ${error.path} is no longer connected (ENOTCONN): the drive lost power or ltfs ended; ${REMOUNT_ADVICE(error.path)}`,
        exit: EXIT.TAPE,
      };
    case 'TapeWriteFailed':
      return {
        message: MOUNT_GONE_CODES.has(error.code)
          ? `writing to the tape at ${error.path} failed (${error.code}): the mount went away while this command ran (a drive that lost power, a pulled cable, ltfs that ended); ${REMOUNT_ADVICE(mountOf(error.path))}`
          : `writing to the tape at ${error.path} failed (${error.code}${error.full ? ': the tape is full' : ''}): ${error.message}`,
        exit: EXIT.TAPE,
      };
    case 'JournalMoved':
      return { message: `${error.path} changed while this command ran (another process or machine wrote to it): run the command again`, exit: EXIT.LOCAL };
    case 'VolumeLabelInvalid':
      return { message: `${error.path}: ${list(error.problems)}`, exit: EXIT.DAMAGED };
    case 'JournalBroken':
      return {
        message: `${error.path}: record ${error.record} (line ${error.line}) is damaged: ${error.detail}; run \`lto recover --salvage\` to read around it`,
        exit: EXIT.DAMAGED,
      };
    case 'JournalUnreadable':
      return { message: `${error.path} cannot be read (${error.code}): ${error.message}`, exit: EXIT.DAMAGED };
    case 'ForeignJournalEvent':
      return {
        message: `the journal of ${error.tape} holds an event that is not about it (record ${error.seq}: ${error.detail}); nothing was imported`,
        exit: EXIT.DAMAGED,
      };
    case 'ConfigInvalid':
      return { message: `${error.path}: ${list(error.problems)}`, exit: EXIT.LOCAL };
    case 'CatalogServerUnusable':
      return { message: `cannot use the shared catalog ${error.catalog}: ${error.reason}`, exit: EXIT.LOCAL };
    case 'CatalogCopyFailed':
      return {
        message: error.written
          ? `the copy to ${error.target} stopped: ${error.reason}; this catalog is unchanged, the target holds part of it (remove it and copy again)`
          : `cannot copy the catalog to ${error.target}: ${error.reason}; nothing was written`,
        exit: EXIT.LOCAL,
      };
    case 'DatabaseUnusable':
      return { message: `cannot use the catalog database ${error.path}: ${error.reason}`, exit: EXIT.LOCAL };
    case 'VersionConflict':
      return {
        message: `another process changed ${error.stream} at the same time (expected version ${error.expected}, found ${error.actual}): run the command again`,
        exit: EXIT.LOCAL,
      };
    case 'ImportConflict':
      return {
        message: `the tape's journal and the catalog disagree on ${error.stream} version ${error.version} (event ${error.importedId} vs ${error.existingId}); nothing was imported`,
        exit: EXIT.DAMAGED,
      };
    case 'ImportGap':
      return {
        message: `the tape's journal continues ${error.stream} at version ${error.found} but the catalog is at ${error.expected - 1}; nothing was imported (recover the other tapes of that job first)`,
        exit: EXIT.DAMAGED,
      };
    case 'UndecodableEvent':
      return {
        message: `the catalog holds an event it cannot read: ${error.stream} version ${error.version} (${error.type}): ${decodeProblem(error.problem)}; nothing was changed`,
        exit: EXIT.LOCAL,
      };
    case 'TapeAlreadyInitialised':
      return { message: `tape ${error.tape} is already initialised`, exit: EXIT.TAPE };
    case 'TapeNotInitialised':
      return { message: `tape ${error.tape} has not been initialised`, exit: EXIT.TAPE };
    case 'JobAlreadyStarted':
      return { message: `job ${error.job} has already started`, exit: EXIT.LOCAL };
    case 'JobNotRunning':
      return { message: `job ${error.job} is not running (it is ${error.status})`, exit: EXIT.LOCAL };
    case 'SegmentOutOfOrder':
      return { message: `job ${error.job}: segment ${error.got} closed out of order (expected ${error.expected})`, exit: EXIT.FAILED };
    case 'SourceMissing':
      return { message: `source path not found: ${list(error.paths)}; nothing was written`, exit: EXIT.USAGE };
    case 'NotEnoughRoom':
      return {
        message: `not enough room on ${error.tape}: the backup needs up to ${formatBytes(error.neededBytes)}, ${formatBytes(error.room.availableBytes)} is left (capacity ${formatBytes(error.room.capacityBytes)}${error.room.capacityFrom === 'media' ? ' as the cartridge reports it' : ''}, used ${formatBytes(error.room.usedBytes)}${error.room.fileSystem === undefined ? '' : `, mount free ${formatBytes(error.room.fileSystem.freeBytes)}`}, reserve ${formatBytes(error.room.reserveBytes)}); nothing was written`,
        exit: EXIT.TAPE,
      };
    case 'SpanTapeRefused':
      return { message: `tape ${error.tape} cannot take the next part of this job: ${error.reason}`, exit: EXIT.TAPE };
    case 'SpanPartMissing':
      return {
        message: `part ${error.part} of job ${error.span} is on tape ${error.tape}, whose journal this catalog has not read: run \`lto recover --mount PATH\` with ${error.tape} mounted first`,
        exit: EXIT.TAPE,
      };
    case 'JobNotFound':
      return { message: `no job ${error.job} on tape ${error.tape}: see \`lto jobs --tape ${error.tape}\``, exit: EXIT.USAGE };
    case 'JobAmbiguous':
      return { message: `job ${error.job} is ambiguous on ${error.tape}: it could be ${list(error.candidates)}`, exit: EXIT.USAGE };
    case 'NothingMatched':
      return { message: `nothing on ${error.tape} matches ${list(error.patterns)}`, exit: EXIT.FAILED };
    case 'RestoreTargetNotFolder':
      return { message: `restore target ${error.path} is not a folder`, exit: EXIT.USAGE };
    case 'NothingOnTape':
      return { message: `tape ${error.tape} holds no backup yet`, exit: EXIT.FAILED };
    case 'FolderNotOnTape':
      return {
        message: `there is no folder ${error.dir} on ${error.tape} as of job ${shortId(error.asOfJob)}: see \`lto browse ${error.tape}\` for its roots (or \`lto search\`)`,
        exit: EXIT.USAGE,
      };
    case 'TapeNotEncrypted':
      return { message: `tape ${error.tape} is not encrypted: it has no key slots`, exit: EXIT.USAGE };
    case 'KeySlotExists':
      return { message: `tape ${error.tape} already has key slot ${error.slot}`, exit: EXIT.USAGE };
    case 'WrongKey':
      return { message: `wrong ${error.tried} for tape ${error.tape}: ${error.detail}; nothing was written`, exit: EXIT.USAGE };
    case 'SecretNeeded':
      return { message: `${error.what} is needed: give it with ${error.options}`, exit: EXIT.USAGE };
    case 'NoKeySlots':
      return { message: `tape ${error.tape} is encrypted but the catalog holds none of its key slots (recover it from the tape)`, exit: EXIT.LOCAL };
    case 'NotAnArchiveTape':
      return { message: `${error.mount} holds no lto-archive tape (no LTO-ARCHIVE/volume.json)`, exit: EXIT.TAPE };
    case 'PassphrasesDiffer':
      return { message: 'the two passphrases differ: nothing was written', exit: EXIT.USAGE };
    case 'EncryptionOptions':
      return { message: error.problem, exit: EXIT.USAGE };
    case 'KeyFileUnreadable':
      return { message: `cannot read key file ${error.path} (${error.code})`, exit: EXIT.USAGE };
    case 'KeyFileInvalid':
      return { message: `key file ${error.path}: ${error.reason}`, exit: EXIT.USAGE };
    case 'KeyPassphraseWrong':
      return { message: `wrong passphrase for the private key ${error.path}`, exit: EXIT.USAGE };
    case 'TapeLocked':
      return {
        message:
          error.holder === undefined
            ? `tape ${error.tape} is locked by ${error.path}, which does not say by whom: if no lto command is writing to it, run again with --break-lock`
            : `tape ${error.tape} is in use: ${error.holder.command} (pid ${error.holder.pid} on ${error.holder.host}, since ${error.holder.since}) holds ${error.path}; wait for it, or if that process is gone run again with --break-lock`,
        exit: EXIT.TAPE,
      };
    case 'TapeHeld':
      // No --break-lock here: a hold in the shared catalog ends with its holder's process (its connection).
      return {
        message:
          error.holder === undefined
            ? `tape ${error.tape} is in use by another lto sharing this catalog (it is starting); wait for it`
            : `tape ${error.tape} is in use: ${error.holder.command} (pid ${error.holder.pid} on ${error.holder.host}, since ${error.holder.since}) holds it in the shared catalog; wait for it (the hold ends with that process)`,
        exit: EXIT.TAPE,
      };
    case 'JobNeedsUnknownFeature':
      // Exit as for a tape of an unknown format: written by a newer version, not damaged, but not ours to read.
      return { message: `job ${error.job} on ${error.tape} needs ${describeUnknownFeatures(error.features)}; nothing was read or written`, exit: EXIT.DAMAGED };
    case 'StoppedBeforeStart':
      return { message: `${error.reason} before the job started: nothing was written`, exit: exitForSignal(error.signal) };
    case 'CopyRefused':
      return { message: `cannot copy ${error.from} to ${error.to}: ${error.reason}; nothing was written`, exit: EXIT.USAGE };
    case 'MigrateRefused':
      return { message: `cannot migrate ${error.tape}: ${error.reason}; nothing was written`, exit: EXIT.USAGE };
    case 'SetCopyRefused':
      return { message: `cannot copy set ${error.from} to set ${error.to}: ${error.reason}; nothing was written`, exit: EXIT.USAGE };
    case 'InvalidOption':
      return { message: `${error.option} ${JSON.stringify(error.value)}: expected ${error.expected}`, exit: EXIT.USAGE };
    case 'SegmentNotClosed':
      return { message: `job ${error.job} closed ${error.closed} segment(s): it has no segment ${error.segment}`, exit: EXIT.FAILED };
    case 'LabelExists':
      return { message: `label ${error.label} already exists with colour ${error.color}`, exit: EXIT.USAGE };
    case 'LabelNotFound':
      return { message: `there is no label ${error.label}: create it with \`lto label create ${error.label} --color '#rrggbb'\``, exit: EXIT.USAGE };
    case 'LabelInUse':
      return {
        message: `label ${error.label} is on ${error.tapes.length} tape(s) (${list(error.tapes)}): take it off first with \`lto label unassign <tape> ${error.label}\``,
        exit: EXIT.FAILED,
      };
    case 'SetHasNoTapes':
      return { message: `tape set ${error.set} has no tape yet: \`lto tape add <barcode> --set ${error.set}\` or \`lto set add ${error.set} <tape>\``, exit: EXIT.USAGE };
    case 'SetFull':
      return { message: `every tape of set ${error.set} is full or retired (${list(error.tapes)}): add one with \`lto tape add <barcode> --set ${error.set}\``, exit: EXIT.FAILED };
    case 'TapeNotInSet':
      return { message: `the tape mounted at ${error.mount} is ${error.tape}, which is not in set ${error.set} (see \`lto set show ${error.set}\`)`, exit: EXIT.USAGE };
    case 'SetExists':
      return { message: `set ${error.set} already exists (${error.copies} cop${error.copies === 1 ? 'y' : 'ies'}): see \`lto set show ${error.set}\``, exit: EXIT.USAGE };
    case 'SetNotFound':
      return { message: `there is no tape set ${error.set}: create it with \`lto set create ${error.set}\``, exit: EXIT.USAGE };
    case 'TapeRetireWouldLose':
      return {
        message: `retiring ${error.tape} would leave ${error.jobs.length} job(s) without the copies their set asks for: ${error.jobs.map((j) => `${j.job} (${j.files} file${j.files === 1 ? '' : 's'})`).join(', ')}; copy them first (\`lto copy\`, \`lto migrate\`) or retire with --force; nothing was recorded`,
        exit: EXIT.FAILED,
      };
    case 'TapeIsRetired':
      return { message: `tape ${error.tape} is retired: nothing writes to it any more (see \`lto tape show ${error.tape}\`)`, exit: EXIT.USAGE };
    case 'TapeInOtherSet':
      return { message: `tape ${error.tape} is in set ${error.set}, not ${error.requested}: a tape belongs to one set`, exit: EXIT.USAGE };
    default: {
      const unhandled: never = error;
      return { message: `unexpected error: ${JSON.stringify(unhandled)}`, exit: EXIT.FAILED };
    }
  }
};
