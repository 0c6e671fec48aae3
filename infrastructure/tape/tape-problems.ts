/** What can go wrong with a mount point, its label or its journal: typed, rendered in cli/. */
export type TapeProblem =
  | JournalMoved
  | { readonly _tag: 'MountMissing'; readonly path: string }
  /** A FUSE mount whose file system process is gone (ENOTCONN): an LTFS drive that lost power, or ltfs that ended. */
  | { readonly _tag: 'MountDisconnected'; readonly path: string }
  | { readonly _tag: 'MountNotFolder'; readonly path: string }
  | { readonly _tag: 'MountNotWritable'; readonly path: string; readonly code: string }
  | { readonly _tag: 'VolumeLabelInvalid'; readonly path: string; readonly problems: readonly string[] }
  | {
      readonly _tag: 'JournalBroken';
      readonly path: string;
      readonly record: number;
      readonly line: number;
      readonly kind: string;
      readonly detail: string;
    }
  | { readonly _tag: 'JournalUnreadable'; readonly path: string; readonly code: string; readonly message: string }
  | {
      readonly _tag: 'TapeWriteFailed';
      readonly path: string;
      readonly code: string;
      readonly message: string;
      /** EROFS / EACCES / EPERM: a write-protected cartridge or read-only mount. */
      readonly readOnly: boolean;
      /** ENOSPC: the tape is full. */
      readonly full: boolean;
    };

/** Someone appended to the journal since this process read it (another process or machine). */
export interface JournalMoved {
  readonly _tag: 'JournalMoved';
  readonly path: string;
}
