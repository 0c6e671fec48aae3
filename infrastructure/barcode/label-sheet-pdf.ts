import * as fs from 'node:fs';
import * as E from 'fp-ts/Either';
import { errnoCode, errorMessage } from '../errno';
import { code39Pattern } from './code39';
import { mediaCodeColour } from './label-colours';
import { LABEL_SIZE, PAPERS, placeLabels, type Paper } from './sheet-layout';

/** Loaded on first use: only `barcode print` needs it (see code39.ts). */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const pdfkit = (): typeof import('pdfkit') => require('pdfkit');

/** PDF units are points. */
const PT_PER_MM = 72 / 25.4;
const pt = (mm: number): number => mm * PT_PER_MM;

/** LTO label specification: nominal narrow bar 0.423 mm, bars at least 11.1 mm long, quiet zones of 10 narrow bars. */
const NARROW_MM = 0.423;
const QUIET_NARROW = 10;
/** Top to bottom inside a label (mm): margin, the human-readable band, a gap, the bars, margin. */
const ROWS = { margin: 0.5, band: 4.0, gap: 0.5, bars: 11.4 } as const;
const SERIAL_LENGTH = 6;

export interface LabelSheet {
  /** Barcode texts, one label each, in print order. */
  readonly ids: readonly string[];
  readonly paper: Paper;
  /** Colour the media-code cells by generation; off gives a black-and-white sheet. */
  readonly colour: boolean;
}

export type SheetProblem = { readonly _tag: 'LabelSheetUnwritable'; readonly path: string; readonly reason: string };

/** The PDF bytes of a sheet (one page per grid full of labels). */
export const renderLabelSheet = (sheet: LabelSheet): Promise<Buffer> =>
  new Promise((resolve, reject) => {
    const page = PAPERS[sheet.paper];
    const PDFDocument = pdfkit();
    const doc = new PDFDocument({ size: [pt(page.width), pt(page.height)], margin: 0, autoFirstPage: false, info: { Title: 'LTO barcode labels', Creator: 'lto-archive' } });
    const chunks: Buffer[] = [];
    doc.on('data', (chunk: Buffer) => chunks.push(chunk));
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
    let currentPage = -1;
    placeLabels(sheet.ids.length, sheet.paper).forEach((place, i) => {
      if (place.page !== currentPage) {
        doc.addPage({ size: [pt(page.width), pt(page.height)], margin: 0 });
        currentPage = place.page;
      }
      drawLabel(doc, sheet.ids[i] ?? '', place.x, place.y, sheet.colour);
    });
    doc.end();
  });

/** One label at (x, y) mm: a hairline to cut along, the characters in cells, the bars below. */
const drawLabel = (doc: PDFKit.PDFDocument, id: string, x: number, y: number, colour: boolean): void => {
  doc.lineWidth(0.25).strokeColor('#b0b0b0').rect(pt(x), pt(y), pt(LABEL_SIZE.width), pt(LABEL_SIZE.height)).stroke();
  const pattern = code39Pattern(id);
  const narrow = Math.min(NARROW_MM, LABEL_SIZE.width / (pattern.width + 2 * QUIET_NARROW));
  const barsWidth = pattern.width * narrow;
  const left = x + (LABEL_SIZE.width - barsWidth) / 2;
  drawCells(doc, id, left, y + ROWS.margin, barsWidth, colour);
  const barsTop = y + ROWS.margin + ROWS.band + ROWS.gap;
  for (const bar of pattern.bars) doc.rect(pt(left + bar.x * narrow), pt(barsTop), pt(bar.width * narrow), pt(ROWS.bars)).fill('#000000');
};

/** The human-readable id above the bars, a cell per character; the media code's cells carry its generation colour. */
const drawCells = (doc: PDFKit.PDFDocument, id: string, left: number, top: number, width: number, colour: boolean): void => {
  const cell = width / id.length;
  const fontSize = 9;
  // Helvetica's caps rise 0.718 em above the baseline: centre them in the band.
  const textTop = top + (ROWS.band - (0.718 * fontSize) / PT_PER_MM) / 2;
  const fill = colour ? mediaCodeColour(id.slice(SERIAL_LENGTH)) : '#000000';
  [...id].forEach((char, i) => {
    const isMedia = i >= SERIAL_LENGTH;
    const cellLeft = left + i * cell;
    if (isMedia) doc.rect(pt(cellLeft + 0.2), pt(top), pt(cell - 0.4), pt(ROWS.band)).fill(fill);
    doc
      .font('Helvetica-Bold')
      .fontSize(fontSize)
      .fillColor(isMedia ? '#ffffff' : '#000000')
      .text(char, pt(cellLeft), pt(textTop), { width: pt(cell), align: 'center', lineBreak: false });
  });
};

/** Renders the sheet and writes it to `file` (replaced if it exists). */
export const writeLabelSheet = async (file: string, sheet: LabelSheet): Promise<E.Either<SheetProblem, { pages: number }>> => {
  try {
    const pdf = await renderLabelSheet(sheet);
    fs.writeFileSync(file, pdf);
    const last = placeLabels(sheet.ids.length, sheet.paper).pop();
    return E.right({ pages: last === undefined ? 0 : last.page + 1 });
  } catch (error) {
    const code = errnoCode(error);
    return E.left({ _tag: 'LabelSheetUnwritable', path: file, reason: code === 'EUNKNOWN' ? errorMessage(error) : code });
  }
};
