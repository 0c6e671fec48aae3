import * as t from 'io-ts';
import { Format } from './events';
import { IsoTime, VolumeUuid } from './ids';
import { Generation, TapeId } from './tape-id';

/**
 * `LTO-ARCHIVE/volume.json`: written once when the tape is initialised, never
 * rewritten (LTFS never frees space, and a label that changes cannot anchor the
 * journal's hash chain). Encryption slots join it in a later format revision.
 */
export const VolumeLabel = t.type({
  format: Format,
  tape: TapeId,
  generation: Generation,
  volumeUuid: VolumeUuid,
  created: IsoTime,
});
export type VolumeLabel = t.TypeOf<typeof VolumeLabel>;
