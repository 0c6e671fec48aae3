import type { Command } from 'commander';
import type { RunState } from '../action';
import type { GlobalOptions } from '../bootstrap';
import type { Io } from '../io';
import { registerBarcodePrint } from './barcode-print';
import { registerBarcodeScan } from './barcode-scan';

/** `lto barcode scan|print`: reading tape ids from pictures, and printing label sheets. */
export const registerBarcode = (program: Command, io: Io, state: RunState, globals: () => GlobalOptions): void => {
  const barcode = program.command('barcode').description('barcodes: read a tape id from a picture or camera, print LTO label sheets');
  registerBarcodeScan(barcode, io, state);
  registerBarcodePrint(barcode, io, state, globals);
};
