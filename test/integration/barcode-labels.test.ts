import * as assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import * as E from 'fp-ts/Either';
import { printLabelSheet, tapesToPrint } from '../../application/print-labels';
import type { TapeId } from '../../domain/tape-id';
import { readBarcodesFromImageFile } from '../../infrastructure/barcode/barcode-reader';
import type { Paper } from '../../infrastructure/barcode/sheet-layout';
import { readPgm, renderPdfPages, type Grey, loadPdfRenderer } from '../support/images';
import { tempDir } from '../support/events';

const scratch = tempDir('lto-labels-');
after(() => scratch.cleanup());

const range = async (first: string, last: string): Promise<readonly TapeId[]> => {
  const ids = await tapesToPrint({ ids: [first, last], label: undefined }, async () => E.right([]));
  if (E.isLeft(ids)) throw new Error(`bad test range ${first} ${last}`);
  return ids.right;
};

const printSheet = async (name: string, tapes: readonly TapeId[], paper: Paper, colour = true): Promise<{ file: string; pages: number }> => {
  const file = `${scratch.dir}/${name}.pdf`;
  const printed = await printLabelSheet(tapes, file, paper, colour);
  if (E.isLeft(printed)) throw new Error(`printing failed: ${JSON.stringify(printed.left)}`);
  return { file, pages: printed.right.pages };
};

/** Every barcode the decoder finds on each rendered page, sorted (the decoder's order is its own). */
const decodePages = async (pdf: string, dpi: number): Promise<string[][]> => {
  const pages: string[][] = [];
  for (const png of renderPdfPages(pdf, dpi, { format: 'png' })) {
    const texts = await readBarcodesFromImageFile(png);
    if (E.isLeft(texts)) throw new Error(`decoding ${png} failed: ${JSON.stringify(texts.left)}`);
    pages.push([...texts.right].sort());
  }
  return pages;
};

describe('label sheets read back (PDF -> MuPDF -> barcode decoder)', () => {
  before(loadPdfRenderer);
  it('an A4 sheet of a range gives back exactly the ids printed', async () => {
    const tapes = await range('000100L9', '000119L9');
    const sheet = await printSheet('a4-range', tapes, 'a4');
    assert.equal(sheet.pages, 1);
    assert.deepEqual(await decodePages(sheet.file, 200), [[...tapes]]);
  });

  it('a US Letter sheet too long for one page continues on the next, each page holding its own ids', async () => {
    const tapes = await range('ABC090L8', 'ABC119L8');
    assert.equal(tapes.length, 30);
    const sheet = await printSheet('letter-range', tapes, 'letter');
    const pages = await decodePages(sheet.file, 200);
    assert.equal(pages.length, 2);
    assert.equal(sheet.pages, 2);
    // Labels fill a page in reading order before the next page starts.
    const perPage = pages[0]!.length;
    assert.ok(perPage >= 20, `only ${perPage} labels on a Letter page`);
    assert.deepEqual(pages, [tapes.slice(0, perPage), tapes.slice(perPage)].map((ids) => [...ids].sort()));
  });

  it('black-and-white labels, LTO-10 (LA, PA) and WORM codes read back too', async () => {
    const tapes = [...(await range('000001LA', '000003LA')), ...(await range('000004PA', '000005PA')), ...(await range('WORM01LZ', 'WORM02LZ'))];
    const sheet = await printSheet('mono', tapes, 'a4', false);
    assert.deepEqual(await decodePages(sheet.file, 200), [[...tapes].sort()]);
  });
});

/** Columns with a dark run of at least `minRun` pixels: the bars, not the text or the grey cutting line. */
const barColumns = (image: Grey, minRun: number): { first: number; last: number; longestRun: number } => {
  let first = -1;
  let last = -1;
  let longestRun = 0;
  for (let x = 0; x < image.width; x++) {
    let run = 0;
    let best = 0;
    for (let y = 0; y < image.height; y++) {
      run = (image.pixels[y * image.width + x] ?? 255) < 100 ? run + 1 : 0;
      best = Math.max(best, run);
    }
    if (best >= minRun) {
      if (first < 0) first = x;
      last = x;
      longestRun = Math.max(longestRun, best);
    }
  }
  return { first, last, longestRun };
};

describe('a printed label measures like an LTO label', () => {
  before(loadPdfRenderer);
  it('bars 0.423 mm narrow (2.75:1) make a 64.1 mm wide code, at least 11.1 mm tall', async () => {
    const sheet = await printSheet('measure', await range('000100L9', '000100L9'), 'a4');
    // 254 dpi is 10 pixels per millimetre.
    const [page] = renderPdfPages(sheet.file, 254, { format: 'pgm' });
    const bars = barColumns(readPgm(page!), 80);
    const widthMm = (bars.last - bars.first + 1) / 10;
    // Code 39, 10 characters with start/stop: 10 x (6 + 3 x 2.75) + 9 gaps = 151.5 narrow bars.
    assert.ok(Math.abs(widthMm - 151.5 * 0.423) < 0.3, `bars span ${widthMm} mm`);
    assert.ok(bars.longestRun / 10 >= 11.1, `bars are ${bars.longestRun / 10} mm tall`);
    assert.ok(bars.longestRun / 10 < 16.9, `bars are ${bars.longestRun / 10} mm tall`);
  });
});
