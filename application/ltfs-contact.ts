import type { JournalHead } from '../infrastructure/journal';
import type { ContactMemo } from '../projections/ports/contact-memos';
import type { FolderTape } from '../infrastructure/tape/tape-volume';
import type { VolumeLabel } from '../domain/volume-label';
import type { App } from './app';

/**
 * A contact on LTFS without reading the tape (docs/FORMAT.md, "Contact on LTFS").
 *
 * LTFS makes written data durable only at an index write, and every index write raises
 * the index generation and stamps a new index time. So the cartridge holds what the
 * catalog saw at its last contact while all of these still hold:
 * - the mount shows the same index (volume UUID, generation, index time): a remount
 *   elsewhere that wrote anything wrote a new index at its unmount; a power loss rolls
 *   back to the last index written, which a memo taken before later writes does not name
 *   as it was then unless nothing was written since (measured: a killed mount comes back
 *   at the same generation and time, without the unsynced bytes);
 * - `volume.json` and the journal have the sizes and modification times the memo took
 *   (writes on this mount not yet in an index: another catalog's append, a crash before
 *   the index write);
 * - the catalog's last journal record is still the memo's head (appends this catalog made
 *   since, which a power loss may have taken back: then the journal is read and the
 *   rollback repaired as on any contact).
 * A memo is taken only right after an index write, with the journal head then.
 */
export const rememberedContact = async (app: App, volume: FolderTape): Promise<ContactMemo | undefined> => {
  const index = volume.ltfsIndexState();
  if (index === undefined) return undefined;
  const memo = await app.contacts.get(index.volumeUuid);
  if (memo === undefined || memo.indexGeneration !== index.generation || memo.indexTime !== index.time) return undefined;
  const stamps = volume.fileStamps();
  if (stamps === undefined || stamps.label !== memo.labelStamp || stamps.journal !== memo.journalStamp) return undefined;
  return memo;
};

/** Whether the catalog is still where the memo left the journal (nothing appended since, nothing lost). */
export const catalogAtMemo = async (app: App, memo: ContactMemo): Promise<boolean> => (await app.store.lastSeq(memo.label.tape)) === memo.head.seq;

/**
 * After an index write: what the cartridge holds now, for the next contact. The head is
 * the journal's last record as this process wrote or read it; the memo is dropped when
 * the mount cannot say which index it shows.
 */
export const rememberContact = async (app: App, volume: FolderTape, label: VolumeLabel, labelHash: string, head: JournalHead): Promise<void> => {
  const index = volume.ltfsIndexState();
  const stamps = volume.fileStamps();
  if (index === undefined || stamps === undefined) return;
  await app.contacts.save({
    ltfsVolumeUuid: index.volumeUuid,
    indexGeneration: index.generation,
    indexTime: index.time,
    label,
    labelHash,
    labelStamp: stamps.label,
    journalStamp: stamps.journal,
    head,
  });
};
