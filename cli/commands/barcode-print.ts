import type { Command } from 'commander';
import * as E from 'fp-ts/Either';
import type { AppError } from '../../application/errors';
import { printLabelSheet, tapesToPrint, type PrintedSheet } from '../../application/print-labels';
import { tapesWithLabelInCatalog } from '../../application/tapes-with-label';
import type { TapeId } from '../../domain/tape-id';
import { PAPERS, Paper } from '../../infrastructure/barcode/sheet-layout';
import { ok, printJson, withApp, withoutApp, type ActionResult, type RunState } from '../action';
import type { GlobalOptions } from '../bootstrap';
import type { Io } from '../io';

interface Options {
  readonly pdf: string;
  readonly label?: string;
  readonly paper: string;
  readonly colour: boolean;
  readonly json?: boolean;
}

export const registerBarcodePrint = (barcode: Command, io: Io, state: RunState, globals: () => GlobalOptions): void => {
  barcode
    .command('print')
    .description('write a PDF sheet of LTO barcode labels (Code 39, human-readable text) for one tape, a range, or the tapes with a label')
    .argument('[tapes...]', 'one tape id, or the first and last id of a range (e.g. 000100L9 000119L9)')
    .requiredOption('--pdf <file>', 'the PDF file to write')
    .option('--label <name>', 'print a label for every tape that carries this label (tag)')
    .option('--paper <size>', 'a4 or letter', 'a4')
    .option('--no-colour', 'black only (by default the media code is coloured by generation)')
    .option('--json', 'print the result as JSON')
    .action((ids: string[], options: Options) => {
      const print = (tapes: E.Either<AppError, readonly TapeId[]>) => printSheet(io, tapes, options);
      // Only a label needs the catalog: ids alone print without opening it.
      if (options.label === undefined) return withoutApp(io, state, async () => print(await tapesToPrint({ ids, label: undefined }, async () => E.right([]))));
      return withApp(io, state, globals(), async ({ app }) => print(await tapesToPrint({ ids, label: options.label }, tapesWithLabelInCatalog(app))));
    });
};

const paperOf = (value: string): E.Either<AppError, Paper> => {
  const paper = value.trim().toLowerCase();
  return Paper.is(paper) ? E.right(paper) : E.left({ _tag: 'InvalidOption', option: '--paper', value, expected: Object.keys(PAPERS).join(' or ') });
};

const printSheet = async (io: Io, tapes: E.Either<AppError, readonly TapeId[]>, options: Options): Promise<ActionResult> => {
  if (E.isLeft(tapes)) return tapes;
  const paper = paperOf(options.paper);
  if (E.isLeft(paper)) return paper;
  const printed = await printLabelSheet(tapes.right, options.pdf, paper.right, options.colour);
  if (E.isLeft(printed)) return printed;
  if (options.json === true) printJson(io, { ...printed.right });
  else printSummary(io, printed.right);
  return ok;
};

const printSummary = (io: Io, sheet: PrintedSheet): void => {
  const first = sheet.tapes[0] ?? '';
  const last = sheet.tapes[sheet.tapes.length - 1] ?? '';
  const which = sheet.tapes.length === 1 ? first : `${first} … ${last}`;
  const labels = sheet.tapes.length === 1 ? '1 label' : `${sheet.tapes.length} labels`;
  const pages = sheet.pages === 1 ? '1 page' : `${sheet.pages} pages`;
  io.out(`${io.style.green('✓')} ${labels} (${which}) on ${pages} of ${PAPERS[sheet.paper].name}: ${sheet.file}`);
};
