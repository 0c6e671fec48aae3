import * as t from 'io-ts';
import * as E from 'fp-ts/Either';

/**
 * LTO generations by media code (the 2-3 characters after the 6-character volume
 * serial). Native capacities are decimal bytes, as the LTO consortium states them.
 */
export const GENERATIONS = {
  L5: { name: 'LTO-5', capacityBytes: 1_500_000_000_000, worm: false },
  L6: { name: 'LTO-6', capacityBytes: 2_500_000_000_000, worm: false },
  L7: { name: 'LTO-7', capacityBytes: 6_000_000_000_000, worm: false },
  M8: { name: 'LTO-7 Type M', capacityBytes: 9_000_000_000_000, worm: false },
  L8: { name: 'LTO-8', capacityBytes: 12_000_000_000_000, worm: false },
  L9: { name: 'LTO-9', capacityBytes: 18_000_000_000_000, worm: false },
  LA: { name: 'LTO-10', capacityBytes: 30_000_000_000_000, worm: false },
  PA: { name: 'LTO-10 Premium', capacityBytes: 40_000_000_000_000, worm: false },
  /**
   * Not a media code (LTO labels are 6 + 2 characters; LTO-10 is LA or PA): earlier
   * versions accepted it, so tapes and catalogs that carry it still read. Never offered
   * for a new tape (see `legacyMediaCodeProblem`).
   */
  L10: { name: 'LTO-10', capacityBytes: 30_000_000_000_000, worm: false },
  LV: { name: 'LTO-5 WORM', capacityBytes: 1_500_000_000_000, worm: true },
  LW: { name: 'LTO-6 WORM', capacityBytes: 2_500_000_000_000, worm: true },
  LX: { name: 'LTO-7 WORM', capacityBytes: 6_000_000_000_000, worm: true },
  LY: { name: 'LTO-8 WORM', capacityBytes: 12_000_000_000_000, worm: true },
  LZ: { name: 'LTO-9 WORM', capacityBytes: 18_000_000_000_000, worm: true },
} as const;

export const Generation = t.keyof(GENERATIONS);
export type Generation = t.TypeOf<typeof Generation>;

export const TAPE_ID_FORM = '6 letters or digits + 2-character media code, e.g. 000012L5 (media codes: L5 L6 L7 M8 L8 L9 LA PA, WORM LV-LZ)';

/** The generations a new tape may be given (`--generation`), as the standard names them. */
export const NEW_GENERATIONS = ['L5', 'L6', 'L7', 'M8', 'L8', 'L9', 'LA', 'PA'] as const;

/**
 * Why a barcode or generation read back from an earlier version is refused for a new tape:
 * `L10` (a 9-character id) was never an LTO media code.
 */
export const legacyMediaCodeProblem = (code: string): string | undefined =>
  code === 'L10' ? 'L10 is not an LTO media code: labels are 6 + 2 characters, and an LTO-10 cartridge is …LA (30 TB) or …PA (Premium, 40 TB)' : undefined;

/**
 * Which cartridges a drive of this generation reads and writes (the LTO consortium's
 * rule): LTO-10 drives take LTO-10 cartridges only; LTO-8 and LTO-9 drives go one
 * generation back; earlier drives write one back and read two back.
 */
export const driveCompatibility = (generation: Generation): string => {
  switch (generation) {
    case 'LA':
    case 'PA':
    case 'L10':
      return 'only LTO-10 drives read or write it; an LTO-10 drive reads and writes no older cartridge';
    case 'L9':
    case 'LZ':
      return 'LTO-9 drives read and write it; LTO-10 drives do not';
    case 'L8':
    case 'LY':
      return 'LTO-8 and LTO-9 drives read and write it; LTO-10 drives do not';
    case 'M8':
      return 'only LTO-8 drives read or write it (an LTO-7 cartridge formatted as Type M)';
    case 'L7':
    case 'LX':
      return 'LTO-7 and LTO-8 drives read and write it, LTO-9 drives do not';
    case 'L6':
    case 'LW':
      return 'LTO-6 and LTO-7 drives read and write it, LTO-8 drives read it only';
    case 'L5':
    case 'LV':
      return 'LTO-5 and LTO-6 drives read and write it, LTO-7 drives read it only';
  }
};

const SERIAL = /^[A-Z0-9]{6}$/;
const CLEANING = /^CLN/;

interface TapeIdBrand {
  readonly TapeId: unique symbol;
}
/** A tape's barcode: 6-character volume serial + media code, upper case. */
export const TapeId = t.brand(
  t.string,
  (s): s is t.Branded<string, TapeIdBrand> => parseBarcode(s)._tag === 'Right',
  'TapeId',
);
export type TapeId = t.TypeOf<typeof TapeId>;

export type BarcodeProblem =
  | { readonly _tag: 'MalformedBarcode'; readonly input: string; readonly expected: string }
  | { readonly _tag: 'CleaningCartridge'; readonly input: string };

export interface Barcode {
  readonly serial: string;
  readonly mediaCode: string;
  /** Undefined when the media code does not name a generation (then `--generation` must). */
  readonly generation: Generation | undefined;
}

/** Splits a barcode into serial and media code; the code may be unknown (e.g. a future one). */
export const parseBarcode = (input: string): E.Either<BarcodeProblem, Barcode> => {
  const malformed = E.left<BarcodeProblem>({ _tag: 'MalformedBarcode', input, expected: TAPE_ID_FORM });
  if (CLEANING.test(input)) return E.left({ _tag: 'CleaningCartridge', input });
  if (input.length !== 8 && input.length !== 9) return malformed;
  const serial = input.slice(0, 6);
  const mediaCode = input.slice(6);
  if (!SERIAL.test(serial) || !/^[A-Z][A-Z0-9]{1,2}$/.test(mediaCode)) return malformed;
  const generation = Generation.is(mediaCode) ? mediaCode : undefined;
  if (generation === undefined && input.length === 9) return malformed;
  return E.right({ serial, mediaCode, generation });
};

/** What a person typed: trimmed and upper-cased, then checked. */
export const normaliseBarcodeInput = (input: string): string => input.trim().toUpperCase();

export const capacityOf = (generation: Generation): number => GENERATIONS[generation].capacityBytes;

export const isTapeId = (s: string): s is TapeId => TapeId.is(s);
