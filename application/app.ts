import type { Config } from '../infrastructure/config';
import type { EventStore } from '../infrastructure/event-store/event-store';
import type { Catalog } from '../projections/ports/catalog';
import type { ContactMemos } from '../projections/ports/contact-memos';
import type { JournalCursors } from '../projections/ports/journal-cursors';
import type { MountMemory } from '../projections/ports/mount-memory';
import type { TapeHolds } from '../projections/ports/tape-holds';

/**
 * What use cases are given (io-sign style: a plain object of ports). The clock, ids
 * and crash points are injected so tests and fault injection can steer them. The
 * catalog is reached through its ports only (no database handle: projections/ports/).
 */
export interface App {
  readonly store: EventStore;
  readonly catalog: Catalog;
  readonly mounts: MountMemory;
  readonly cursors: JournalCursors;
  /** LTFS cartridges as the last contact left them (application/ltfs-contact.ts). */
  readonly contacts: ContactMemos;
  /**
   * Tape holds in a catalog several hosts share (PostgreSQL): absent on SQLite, whose
   * catalog file is one host's, where the lock files suffice (application/hold-tape-lock.ts).
   */
  readonly holds?: TapeHolds | undefined;
  readonly config: Config;
  readonly dataDir: string;
  readonly clock: () => Date;
  readonly newId: () => string;
  readonly host: string;
  readonly pid: number;
  /** Where a test may have asked the process to die (see infrastructure/crash-points.ts). */
  readonly crashPoint: (name: CrashPointName) => void;
  /** Notes for the person (which folder-backed tape is used, what was repaired...): stderr, never stdout. */
  readonly notice: (message: string) => void;
}

export type CrashPointName =
  | 'after-tape-append'
  | 'after-volume-label'
  | 'after-segment-recorded'
  // A backup's other moments, for the seeded crash campaign (test/e2e/crash-campaign):
  | 'scanned-entry'
  | 'entry-written'
  | 'segment-closed'
  | 'job-ending'
  // A job's end event is on the tape, the index write that makes it durable not yet asked for.
  | 'job-ended'
  // A restore's or verify's reads of segments: before the first, after the last (positioning tests).
  | 'tape-reads-start'
  | 'tape-reads-end'
  // A restore: before each chunk of a large file is read (a crash there leaves it half written).
  | 'restore-chunk'
  // A restore hands the next entry to its writer; a verify has checked a segment (signal tests freeze there).
  | 'restore-entry'
  | 'segment-verified'
  // A recovery has committed a batch of the journal (its bulk import not finished: indexes dropped, commits not yet synced).
  | 'recover-batch-imported';
