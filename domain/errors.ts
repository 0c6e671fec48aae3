import type { JobId } from './ids';
import type { TapeId } from './tape-id';

/** Business rule violations: typed values returned by `decide`, rendered once in cli/. */
export type DomainError =
  | { readonly _tag: 'TapeAlreadyInitialised'; readonly tape: TapeId }
  | { readonly _tag: 'TapeNotInitialised'; readonly tape: TapeId }
  | { readonly _tag: 'TapeNotEncrypted'; readonly tape: TapeId }
  | { readonly _tag: 'KeySlotExists'; readonly tape: TapeId; readonly slot: string }
  | { readonly _tag: 'JobAlreadyStarted'; readonly job: JobId }
  | { readonly _tag: 'JobNotRunning'; readonly job: JobId; readonly status: string }
  | { readonly _tag: 'SegmentOutOfOrder'; readonly job: JobId; readonly expected: number; readonly got: number }
  | { readonly _tag: 'SegmentNotClosed'; readonly job: JobId; readonly segment: number; readonly closed: number }
  | { readonly _tag: 'LabelExists'; readonly label: string; readonly color: string }
  | { readonly _tag: 'LabelNotFound'; readonly label: string }
  | { readonly _tag: 'LabelInUse'; readonly label: string; readonly tapes: readonly TapeId[] }
  | { readonly _tag: 'SetExists'; readonly set: string; readonly copies: number }
  | { readonly _tag: 'SetNotFound'; readonly set: string }
  | { readonly _tag: 'TapeInOtherSet'; readonly tape: TapeId; readonly set: string; readonly requested: string }
  /** Retiring would leave these jobs without the copies their set asks for (files: how many files each holds). */
  | { readonly _tag: 'TapeRetireWouldLose'; readonly tape: TapeId; readonly jobs: readonly { readonly job: string; readonly files: number }[] }
  | { readonly _tag: 'TapeIsRetired'; readonly tape: TapeId };
