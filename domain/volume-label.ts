import * as t from 'io-ts';
import { Format } from './events';
import { IsoTime, VolumeUuid } from './ids';
import { VolumeEncryption } from './key-slots';
import { Generation, TapeId } from './tape-id';
import { FeatureList } from './format-features';

/**
 * `LTO-ARCHIVE/volume.json`: written once when the tape is initialised, never
 * rewritten (LTFS never frees space, and a label that changes cannot anchor the
 * journal's hash chain). An encrypted tape carries its key slots here, so the tape
 * alone can be unlocked once the catalog is gone (slots added later are events).
 */
export const VolumeLabel = t.intersection([
  t.type({
    format: Format,
    tape: TapeId,
    generation: Generation,
    volumeUuid: VolumeUuid,
    created: IsoTime,
  }),
  t.partial({
    encryption: VolumeEncryption,
    /** Format features every reader of this tape needs (none written yet: reserved, and checked). */
    features: FeatureList,
  }),
]);
export type VolumeLabel = t.TypeOf<typeof VolumeLabel>;
