import type { VolumeLabel } from '../../domain/volume-label';
import type { JournalHead } from '../../infrastructure/journal';

/**
 * What an LTFS cartridge's index and our two files looked like at the last contact that
 * left nothing unwritten (right after an index write). A later contact that finds the same
 * index (volume UUID, generation and index time) and the same sizes and times for
 * `volume.json` and the journal reads neither again: on a real drive each read is a
 * locate, the journal's as many as it has appends (docs/FORMAT.md, "Contact on LTFS").
 * Local bookkeeping like the journal cursor, not an event: losing it costs one full read.
 */
export interface ContactMemo {
  /** The LTFS volume UUID (the cartridge), the key. */
  readonly ltfsVolumeUuid: string;
  readonly indexGeneration: number;
  readonly indexTime: string;
  readonly label: VolumeLabel;
  readonly labelHash: string;
  readonly labelStamp: string;
  readonly journalStamp: string;
  /** The journal's last record then; the catalog must still be at it for the memo to hold. */
  readonly head: JournalHead;
}

/** LTFS cartridges as the last contact left them, by LTFS volume UUID. */
export interface ContactMemos {
  get(ltfsVolumeUuid: string): Promise<ContactMemo | undefined>;
  save(memo: ContactMemo): Promise<void>;
  forget(ltfsVolumeUuid: string): Promise<void>;
}
