import { GENERATIONS, type Generation } from './tape-id';

/** Share of capacity no job writes into: a tape without room for its index becomes unmountable. */
export const RESERVE_RATIO = 0.05;

export interface Room {
  readonly capacityBytes: number;
  readonly usedBytes: number;
  /** Where capacity and use come from: the cartridge's own media figures (LTFS), or the generation table and the catalog. */
  readonly capacityFrom: 'media' | 'generation';
  /** The file system's own view, when the mount reports one (smaller for a folder on a disk). */
  readonly fileSystem: { readonly totalBytes: number; readonly freeBytes: number } | undefined;
  readonly reserveBytes: number;
  /** What a job may still write. */
  readonly availableBytes: number;
}

/**
 * What is left for a job: the generation's capacity minus what is used, or the mount's
 * free space when that is smaller, each less a 5% reserve of its own total.
 */
export const roomOnTape = (
  capacityBytes: number,
  usedBytes: number,
  fileSystem: { readonly totalBytes: number; readonly freeBytes: number } | undefined,
  media?: { readonly totalBytes: number; readonly freeBytes: number },
): Room => {
  if (media !== undefined) return roomOnMedia(media, fileSystem);
  const tapeReserve = Math.ceil(capacityBytes * RESERVE_RATIO);
  const byTape = capacityBytes - usedBytes - tapeReserve;
  const fsReserve = fileSystem === undefined ? 0 : Math.ceil(fileSystem.totalBytes * RESERVE_RATIO);
  const byFileSystem = fileSystem === undefined ? Number.POSITIVE_INFINITY : fileSystem.freeBytes - fsReserve;
  const limitedByFs = byFileSystem < byTape;
  return {
    capacityBytes,
    usedBytes,
    capacityFrom: 'generation',
    fileSystem,
    reserveBytes: limitedByFs ? fsReserve : tapeReserve,
    availableBytes: Math.max(0, Math.min(byTape, byFileSystem)),
  };
};

/**
 * The cartridge's own figures (LTFS data partition size and free space) are the truth when
 * the mount reports them: the same 5% reserve of that size is kept, and the mount's free
 * space still limits it.
 */
const roomOnMedia = (
  media: { readonly totalBytes: number; readonly freeBytes: number },
  fileSystem: { readonly totalBytes: number; readonly freeBytes: number } | undefined,
): Room => {
  const reserveBytes = Math.ceil(media.totalBytes * RESERVE_RATIO);
  const byMedia = media.freeBytes - reserveBytes;
  const fsReserve = fileSystem === undefined ? 0 : Math.ceil(fileSystem.totalBytes * RESERVE_RATIO);
  const byFileSystem = fileSystem === undefined ? Number.POSITIVE_INFINITY : fileSystem.freeBytes - fsReserve;
  return {
    capacityBytes: media.totalBytes,
    usedBytes: media.totalBytes - media.freeBytes,
    capacityFrom: 'media',
    fileSystem,
    reserveBytes: byFileSystem < byMedia ? fsReserve : reserveBytes,
    availableBytes: Math.max(0, Math.min(byMedia, byFileSystem)),
  };
};

/** An LTFS data partition holds a little less than the native capacity (the index partition takes the rest). */
const FORMATTED_SHARE = { min: 0.85, max: 1.02 } as const;

const fits = (nativeBytes: number, mediaBytes: number): boolean =>
  mediaBytes >= nativeBytes * FORMATTED_SHARE.min && mediaBytes <= nativeBytes * FORMATTED_SHARE.max;

/**
 * When the cartridge's own capacity (LTFS media figures) is not what the tape id's
 * generation holds: the generation it would fit instead, if one does. Undefined when they agree.
 */
export const generationDisagreement = (
  generation: Generation,
  mediaBytes: number,
): { readonly expected: string; readonly nativeBytes: number; readonly fitting: string | undefined } | undefined => {
  const own = GENERATIONS[generation];
  if (fits(own.capacityBytes, mediaBytes)) return undefined;
  const fitting = Object.values(GENERATIONS).find((g) => g.worm === own.worm && fits(g.capacityBytes, mediaBytes));
  return { expected: own.name, nativeBytes: own.capacityBytes, fitting: fitting?.name };
};
