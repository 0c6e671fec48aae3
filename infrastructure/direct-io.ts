import * as fs from 'node:fs';
import { isErrno } from './errno';

/** Undefined where the platform has no O_DIRECT (macOS, Windows). */
export const O_DIRECT: number | undefined = fs.constants.O_DIRECT;
/** Direct I/O buffers start on this boundary and move whole multiples of it. */
export const ALIGN = 4096;
/** The probe spans pages: a one-page write may pass with an address a longer one cannot use. */
export const PROBE_BYTES = 8192;

/**
 * JavaScript cannot see a buffer's address, so the offset in `memory` that direct I/O
 * accepts is found by trying: writes of PROBE_BYTES at file offset 0 (the caller
 * overwrites or truncates them) from successive 16-byte steps. Undefined when none
 * works; a failure other than EINVAL is thrown.
 */
export const probeDirectOffset = (fd: number, memory: Buffer): number | undefined => {
  for (let base = 0; base < ALIGN; base += 16) {
    try {
      fs.writeSync(fd, memory, base, PROBE_BYTES, 0);
      return base;
    } catch (error) {
      if (!isErrno(error, 'EINVAL')) throw error;
    }
  }
  return undefined;
};

/**
 * A second descriptor on the file open at `fd`, with O_DIRECT, for reading (through
 * /proc/self/fd, so it is the same file even if its name changed since). Undefined where
 * the platform or the file system refuses it. The caller closes it.
 */
export const openDirectTwin = (fd: number): number | undefined => {
  if (O_DIRECT === undefined) return undefined;
  try {
    return fs.openSync(`/proc/self/fd/${fd}`, fs.constants.O_RDONLY | O_DIRECT);
  } catch {
    return undefined;
  }
};
