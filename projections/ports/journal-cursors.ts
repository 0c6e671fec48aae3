import type { JournalCursor } from '../../infrastructure/journal';

/**
 * How far each tape's journal has been read into the local store, so a contact reads
 * only what was appended since. Kept per volume: another cartridge with the same barcode
 * starts from the beginning. Local bookkeeping, not an event: losing it costs one full read.
 */
export interface JournalCursors {
  get(tape: string, volumeUuid: string): Promise<JournalCursor | undefined>;
  /** `undefined` forgets the cursor (the next contact reads the journal whole). */
  save(tape: string, volumeUuid: string, cursor: JournalCursor | undefined): Promise<void>;
}
