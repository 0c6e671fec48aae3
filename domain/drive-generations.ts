import type { Generation } from './tape-id';

/**
 * Which drive generations read a cartridge, by the LTO Program's compatibility rule
 * (lto.org, "LTO Generation Compatibility", and the LTO-10 announcement of 2025):
 *
 * - an LTO-10 drive reads LTO-10 cartridges only (LA, PA);
 * - LTO-8 and LTO-9 drives read their own generation and one back (LTO-8 also reads
 *   an LTO-7 cartridge formatted Type M, M8, which no other drive reads);
 * - LTO-7 and earlier drives read their own generation and two back.
 *
 * Written once here; `driveCompatibility` (tape-id.ts) says the same in words.
 */
const cartridgeGeneration = (generation: Generation): number => {
  switch (generation) {
    case 'L5':
    case 'LV':
      return 5;
    case 'L6':
    case 'LW':
      return 6;
    case 'L7':
    case 'LX':
    case 'M8':
      return 7;
    case 'L8':
    case 'LY':
      return 8;
    case 'L9':
    case 'LZ':
      return 9;
    case 'LA':
    case 'PA':
    case 'L10':
      return 10;
    default: {
      const unhandled: never = generation;
      return unhandled;
    }
  }
};

/** Whether a drive of generation `drive` (5-10) reads this cartridge. */
export const driveReads = (drive: number, generation: Generation): boolean => {
  if (generation === 'M8') return drive === 8;
  const cartridge = cartridgeGeneration(generation);
  if (drive >= 10) return cartridge === drive;
  const back = drive >= 8 ? 1 : 2;
  return cartridge <= drive && cartridge >= drive - back;
};

/**
 * The drive generations made and sold now (2025: LTO-9 and LTO-10; LTO-8 drives are
 * no longer made). A cartridge none of them reads must be migrated while an older
 * drive still works.
 */
export const CURRENT_DRIVE_GENERATIONS: readonly number[] = [9, 10];

/** The drive generations (5-10) that read this cartridge, oldest first. */
export const drivesReading = (generation: Generation): number[] => [5, 6, 7, 8, 9, 10].filter((d) => driveReads(d, generation));

/** Whether no current drive reads this cartridge: its data must be copied forward. */
export const unreadableByCurrentDrives = (generation: Generation, current: readonly number[] = CURRENT_DRIVE_GENERATIONS): boolean =>
  !current.some((d) => driveReads(d, generation));

/** A generation's number, to compare a migration's source and destination (M8 counts as 7). */
export const generationNumber = cartridgeGeneration;
