import * as E from 'fp-ts/Either';
import { labelRange } from '../domain/label-range';
import type { TapeId } from '../domain/tape-id';
import { writeLabelSheet } from '../infrastructure/barcode/label-sheet-pdf';
import type { Paper } from '../infrastructure/barcode/sheet-layout';
import type { AppError } from './errors';
import { legacyMediaCodeProblem } from '../domain/tape-id';
import { tapeIdFromInput } from './tape-id-input';
import type { TapesWithLabel } from './tapes-with-label';

export interface LabelSelection {
  /** One id, or the first and last of a range. */
  readonly ids: readonly string[];
  /** Every tape that carries this label (tag). */
  readonly label: string | undefined;
}

const IDS = 'tape ids (one, or the first and last of a range)';
const LABEL = '--label NAME';

/** The ids to print, from the command line or from the tapes carrying a label. */
export const tapesToPrint = async (selection: LabelSelection, tapesWithLabel: TapesWithLabel): Promise<E.Either<AppError, readonly TapeId[]>> => {
  const given = [...(selection.ids.length > 0 ? [IDS] : []), ...(selection.label !== undefined ? [LABEL] : [])];
  if (given.length !== 1) return E.left({ _tag: 'TapeIdSourceInvalid', expected: [IDS, LABEL], given });
  if (selection.label !== undefined) {
    const label = selection.label;
    const tapes = await tapesWithLabel(label);
    if (E.isRight(tapes) && tapes.right.length === 0) return E.left({ _tag: 'NoTapeWithLabel', label });
    return tapes;
  }
  const [first, last, ...more] = selection.ids;
  if (more.length > 0 || first === undefined) return E.left({ _tag: 'TooManyTapeIds', given: selection.ids });
  const from = tapeIdFromInput(first);
  if (E.isLeft(from)) return from;
  // A label no library reads is not printed.
  const legacy = legacyMediaCodeProblem(from.right.slice(6));
  if (legacy !== undefined) return E.left({ _tag: 'LegacyMediaCode', input: from.right, detail: legacy });
  if (last === undefined) return E.right([from.right]);
  const to = tapeIdFromInput(last);
  return E.isLeft(to) ? to : labelRange(from.right, to.right);
};

export interface PrintedSheet {
  readonly file: string;
  readonly paper: Paper;
  readonly pages: number;
  readonly tapes: readonly TapeId[];
}

/** Writes a PDF sheet of LTO labels for `tapes`. */
export const printLabelSheet = async (tapes: readonly TapeId[], file: string, paper: Paper, colour: boolean): Promise<E.Either<AppError, PrintedSheet>> => {
  const written = await writeLabelSheet(file, { ids: tapes, paper, colour });
  return E.isLeft(written) ? written : E.right({ file, paper, pages: written.right.pages, tapes });
};
