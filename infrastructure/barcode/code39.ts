import type * as BwipJs from 'bwip-js';

// Loaded on first use, like the decoder and the PDF library: together they would add
// ~120 ms to the start of every lto command, and only the barcode commands need them.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const bwipjs = (): typeof BwipJs => require('bwip-js');

/** LTO label specification: wide elements are 2.75 narrow ones (bwip-js draws 3:1). */
export const WIDE_TO_NARROW = 2.75;

/** One bar: where it starts and how wide it is, in narrow-element units from the start character's first bar. */
export interface Bar {
  readonly x: number;
  readonly width: number;
}

export interface Code39Pattern {
  readonly bars: readonly Bar[];
  /** Start character to stop character, in narrow-element units. */
  readonly width: number;
}

/**
 * The bars of `text` in Code 39 (with its start/stop `*`, no check character, as LTO
 * libraries read them). bwip-js encodes; the widths are re-scaled to the LTO ratio.
 */
export const code39Pattern = (text: string): Code39Pattern => {
  const [symbol] = bwipjs().raw('code39', text, { includecheck: false });
  if (symbol === undefined || !('sbs' in symbol)) throw new Error(`bwip-js gave no Code 39 pattern for ${text}`);
  const bars: Bar[] = [];
  let x = 0;
  symbol.sbs.forEach((modules, i) => {
    const width = modules > 1 ? WIDE_TO_NARROW : 1;
    // sbs alternates bar, space, bar...: even positions are bars.
    if (i % 2 === 0) bars.push({ x, width });
    x += width;
  });
  const last = bars[bars.length - 1];
  return { bars, width: last === undefined ? 0 : last.x + last.width };
};
