/** Share of capacity no job writes into: a tape without room for its index becomes unmountable. */
export const RESERVE_RATIO = 0.05;

export interface Room {
  readonly capacityBytes: number;
  readonly usedBytes: number;
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
): Room => {
  const tapeReserve = Math.ceil(capacityBytes * RESERVE_RATIO);
  const byTape = capacityBytes - usedBytes - tapeReserve;
  const fsReserve = fileSystem === undefined ? 0 : Math.ceil(fileSystem.totalBytes * RESERVE_RATIO);
  const byFileSystem = fileSystem === undefined ? Number.POSITIVE_INFINITY : fileSystem.freeBytes - fsReserve;
  const limitedByFs = byFileSystem < byTape;
  return {
    capacityBytes,
    usedBytes,
    fileSystem,
    reserveBytes: limitedByFs ? fsReserve : tapeReserve,
    availableBytes: Math.max(0, Math.min(byTape, byFileSystem)),
  };
};
