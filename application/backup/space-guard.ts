import { RESERVE_RATIO } from '../../domain/capacity';
import type { FileSystemSpace } from '../../infrastructure/tape/space';

/** How often (in bytes handed to the writer) the free space is looked at again. */
const CHECK_EVERY_BYTES = 256 * 1024;

/**
 * Keeps a running job out of the mount's reserve. The room check before the job only
 * knows the job's own estimate; while it writes, anything else may fill the tape (another
 * writer, a cartridge smaller than its generation says). Before each entry, at least
 * every CHECK_EVERY_BYTES, the free space is read again (statfs) and must hold what is
 * still on its way to the file (`unwritten`), the entry and that interval above the
 * reserve; when it does not, the job stops before writing into the reserve, so the
 * journal records and the LTFS index still fit.
 */
export class SpaceGuard {
  private sinceCheck = Number.POSITIVE_INFINITY;

  constructor(private readonly space: () => FileSystemSpace | undefined) {}

  /** Why `bytes` more must not be written (undefined: they may). */
  check(bytes: number, unwritten: number): string | undefined {
    this.sinceCheck += bytes;
    if (this.sinceCheck < CHECK_EVERY_BYTES) return undefined;
    this.sinceCheck = 0;
    const now = this.space();
    if (now === undefined) return undefined;
    const reserve = Math.ceil(now.totalBytes * RESERVE_RATIO);
    const needed = unwritten + bytes + CHECK_EVERY_BYTES;
    if (now.freeBytes - reserve >= needed) return undefined;
    return `the tape is full: ${now.freeBytes} bytes are free and the reserve is ${reserve}; stopped before writing into it`;
  }
}
