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
  L10: { name: 'LTO-10', capacityBytes: 30_000_000_000_000, worm: false },
  LV: { name: 'LTO-5 WORM', capacityBytes: 1_500_000_000_000, worm: true },
  LW: { name: 'LTO-6 WORM', capacityBytes: 2_500_000_000_000, worm: true },
  LX: { name: 'LTO-7 WORM', capacityBytes: 6_000_000_000_000, worm: true },
  LY: { name: 'LTO-8 WORM', capacityBytes: 12_000_000_000_000, worm: true },
  LZ: { name: 'LTO-9 WORM', capacityBytes: 18_000_000_000_000, worm: true },
} as const;

export const Generation = t.keyof(GENERATIONS);
export type Generation = t.TypeOf<typeof Generation>;

export const TAPE_ID_FORM = '6 letters or digits + media code, e.g. 000012L5 (media codes: L5 L6 L7 M8 L8 L9 L10, WORM LV-LZ)';

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
