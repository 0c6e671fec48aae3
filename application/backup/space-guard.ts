import { RESERVE_RATIO } from '../../domain/capacity';
import type { FileSystemSpace } from '../../infrastructure/tape/space';

/** How often (in bytes handed to the writer) the free space is looked at again. */
const CHECK_EVERY_BYTES = 256 * 1024;

/**
 * Keeps a running job out of the tape's reserve. The room check before the job gives a
 * budget (what the tape's capacity, its use and the mount's free space leave, less the
 * reserve): the entries handed to the writer never add up past it. And while the job
 * writes, anything else may fill the mount (another writer, a cartridge smaller than its
 * generation says): before each entry, at least every CHECK_EVERY_BYTES, the free space is
 * read again (statfs) and must hold what is still on its way to the file (`unwritten`),
 * the entry and that interval above the reserve. When either says no, the job stops
 * before writing into the reserve (or, spanning, goes on to the next tape), so the
 * journal records and the LTFS index still fit.
 */
export class SpaceGuard {
  private sinceCheck = Number.POSITIVE_INFINITY;
  private issued = 0;

  constructor(
    private readonly space: () => FileSystemSpace | undefined,
    private readonly budgetBytes = Number.POSITIVE_INFINITY,
  ) {}

  /** Why `bytes` more must not be written (undefined: they may, and they count as issued). */
  check(bytes: number, unwritten: number): string | undefined {
    if (this.issued + bytes > this.budgetBytes) {
      return `the tape is full: ${this.budgetBytes - this.issued} bytes of its capacity are left above the reserve; stopped before writing into it`;
    }
    this.sinceCheck += bytes;
    if (this.sinceCheck >= CHECK_EVERY_BYTES) {
      this.sinceCheck = 0;
      const now = this.space();
      if (now !== undefined) {
        const reserve = Math.ceil(now.totalBytes * RESERVE_RATIO);
        const needed = unwritten + bytes + CHECK_EVERY_BYTES;
        if (now.freeBytes - reserve < needed) {
          return `the tape is full: ${now.freeBytes} bytes are free and the reserve is ${reserve}; stopped before writing into it`;
        }
      }
    }
    this.issued += bytes;
    return undefined;
  }

  /** How many bytes may still be handed to the writer, `unwritten` of those before still on their way (reads the free space now). */
  left(unwritten: number): number {
    const byBudget = this.budgetBytes - this.issued;
    const now = this.space();
    const byMount = now === undefined ? Number.POSITIVE_INFINITY : now.freeBytes - Math.ceil(now.totalBytes * RESERVE_RATIO) - unwritten - CHECK_EVERY_BYTES;
    return Math.max(0, Math.min(byBudget, byMount));
  }
}
