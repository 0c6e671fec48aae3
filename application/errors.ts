import type { CatalogCopyFailed } from './copy-catalog';
import type { BarcodeProblem, TapeId } from '../domain/tape-id';
import type { BarcodeError } from './barcode-errors';
import type { Room } from '../domain/capacity';
import type { DomainError } from '../domain/errors';
import type { ImportConflict, ImportGap, VersionConflict } from '../infrastructure/event-store/event-store';
import type { TapeProblem } from '../infrastructure/tape/tape-problems';
import type { LockHolder } from '../infrastructure/tape/tape-lock';
import type { TapeHolder } from '../projections/ports/tape-holds';
import type { ConfigProblem } from '../infrastructure/config';
import type { KeyFileProblem } from '../infrastructure/crypto/key-files';
import type { StopSignal } from '../infrastructure/stop-signals';
import type { UndecodableEvent } from './handle';

/** Everything a use case can refuse or fail with: typed values, rendered once in cli/errors.ts. */
export type AppError =
  | DomainError
  | BarcodeProblem
  | VersionConflict
  | ImportConflict
  | ImportGap
  | UndecodableEvent
  | TapeProblem
  | ConfigProblem
  | { readonly _tag: 'GenerationUnknown'; readonly input: string; readonly mediaCode: string }
  | { readonly _tag: 'GenerationMismatch'; readonly tape: string; readonly fromBarcode: string; readonly given: string }
  | { readonly _tag: 'TapeNotRegistered'; readonly tape: TapeId }
  | { readonly _tag: 'TapeAlreadyRegistered'; readonly tape: TapeId }
  /** `tape add` of a tape this catalog forgot: its events are still in the store, so only `recover` may bring it back. */
  | { readonly _tag: 'TapeForgottenHere'; readonly tape: TapeId }
  /** A media code earlier versions accepted that is not LTO's (L10): refused for a new tape or label. */
  | { readonly _tag: 'LegacyMediaCode'; readonly input: string; readonly detail: string }
  | { readonly _tag: 'TapeNotMounted'; readonly tape: TapeId; readonly tried: readonly string[] }
  /** A restore's tape is not mounted and neither is any copy of its tree: the tapes to mount, each with its location. */
  | { readonly _tag: 'TapeOrCopyNotMounted'; readonly tape: TapeId; readonly places: readonly { readonly tape: TapeId; readonly location: string }[]; readonly tried: readonly string[] }
  /** A blank LTFS cartridge whose barcode is the tape asked for: it was never added (or its label is gone). */
  | { readonly _tag: 'CartridgeNotInitialised'; readonly tape: TapeId; readonly mount: string }
  | { readonly _tag: 'WrongTapeMounted'; readonly expected: TapeId; readonly found: string; readonly mount: string }
  | {
      readonly _tag: 'DifferentCartridge';
      readonly tape: TapeId;
      readonly mount: string;
      readonly expectedVolume: string;
      readonly foundVolume: string;
    }
  | { readonly _tag: 'CartridgeBarcodeMismatch'; readonly tape: TapeId; readonly mount: string; readonly cartridge: string }
  | { readonly _tag: 'VolumeBelongsToOtherTape'; readonly mount: string; readonly found: string; readonly requested: TapeId }
  | { readonly _tag: 'ForeignJournalEvent'; readonly tape: TapeId; readonly seq: number; readonly detail: string }
  | DatabaseUnusable
  | CatalogServerUnusable
  | CatalogCopyFailed
  | BarcodeError
  | { readonly _tag: 'SourceMissing'; readonly paths: readonly string[] }
  | { readonly _tag: 'NotEnoughRoom'; readonly tape: TapeId; readonly neededBytes: number; readonly room: Room }
  | { readonly _tag: 'SpanTapeRefused'; readonly tape: string; readonly reason: string }
  /** `backup --set`: the set has no tape yet, every tape of it is full, or the mounted tape is not one of it. */
  | { readonly _tag: 'SetHasNoTapes'; readonly set: string }
  | { readonly _tag: 'SetFull'; readonly set: string; readonly tapes: readonly string[] }
  | { readonly _tag: 'TapeNotInSet'; readonly tape: string; readonly set: string; readonly mount: string }
  | { readonly _tag: 'SpanPartMissing'; readonly span: string; readonly part: number; readonly tape: TapeId }
  | { readonly _tag: 'JobNotFound'; readonly tape: TapeId; readonly job: string }
  | { readonly _tag: 'JobAmbiguous'; readonly tape: TapeId; readonly job: string; readonly candidates: readonly string[] }
  | { readonly _tag: 'NothingMatched'; readonly tape: TapeId; readonly patterns: readonly string[] }
  | { readonly _tag: 'RestoreTargetNotFolder'; readonly path: string }
  | { readonly _tag: 'NothingOnTape'; readonly tape: TapeId }
  | { readonly _tag: 'FolderNotOnTape'; readonly tape: TapeId; readonly dir: string; readonly asOfJob: string }
  | { readonly _tag: 'InvalidOption'; readonly option: string; readonly value: string; readonly expected: string }
  | KeyFileProblem
  | { readonly _tag: 'WrongKey'; readonly tape: TapeId; readonly tried: 'passphrase' | 'private key'; readonly detail: string }
  | { readonly _tag: 'SecretNeeded'; readonly what: string; readonly options: string }
  | { readonly _tag: 'NoKeySlots'; readonly tape: TapeId }
  | { readonly _tag: 'PassphrasesDiffer' }
  | { readonly _tag: 'NotAnArchiveTape'; readonly mount: string }
  | { readonly _tag: 'EncryptionOptions'; readonly problem: string }
  | { readonly _tag: 'TapeLocked'; readonly tape: TapeId; readonly path: string; readonly holder: LockHolder | undefined }
  /** Held in the shared catalog by a process of another host (undefined: its row is not written yet). */
  | { readonly _tag: 'TapeHeld'; readonly tape: TapeId; readonly holder: TapeHolder | undefined }
  | { readonly _tag: 'StoppedBeforeStart'; readonly signal: StopSignal; readonly reason: string }
  /** `lto copy` will not start: what it would need, in words (nothing was written). */
  | { readonly _tag: 'CopyRefused'; readonly from: TapeId; readonly to: TapeId; readonly reason: string }
  /** `lto migrate` will not start: why, in words (nothing was written). */
  | { readonly _tag: 'MigrateRefused'; readonly tape: TapeId; readonly reason: string }
  /** `lto copy --set A --to-set B` will not start: why, in words (nothing was written). */
  | { readonly _tag: 'SetCopyRefused'; readonly from: string; readonly to: string; readonly reason: string }
  /** A job that needs a format feature this version does not know: refused where it would be misread (restore, verify). */
  | { readonly _tag: 'JobNeedsUnknownFeature'; readonly tape: TapeId; readonly job: string; readonly features: readonly string[] }

/** The shared catalog's PostgreSQL server cannot be used (unreachable, login refused, a newer schema). */
export interface CatalogServerUnusable {
  readonly _tag: 'CatalogServerUnusable';
  /** The connection string with its password masked. */
  readonly catalog: string;
  readonly reason: string;
}

export interface DatabaseUnusable {
  readonly _tag: 'DatabaseUnusable';
  readonly path: string;
  readonly reason: string;
}
