import type { Command } from 'commander';
import * as E from 'fp-ts/Either';
import { addTape, type AddTapeResult } from '../../application/add-tape';
import { GENERATIONS } from '../../domain/tape-id';
import { ok, printJson, reportError, withApp, type RunState } from '../action';
import type { GlobalOptions } from '../bootstrap';
import type { Io } from '../io';
import { describeMount } from '../ui/describe-mount';
import { formatBytes, shortId } from '../ui/format';
import { DEFAULT_CAMERA_SECONDS, barcodeFromArguments, parseSeconds } from '../scan-tape-id';

interface Options {
  readonly mount?: string;
  readonly description?: string;
  readonly generation?: string;
  readonly scan?: string;
  readonly scanCamera?: boolean;
  readonly scanTimeout: string;
  readonly json?: boolean;
}

export const registerTapeAdd = (tape: Command, io: Io, state: RunState, globals: () => GlobalOptions): void => {
  tape
    .command('add')
    .description('register a tape: initialise a blank volume (writes LTO-ARCHIVE/volume.json and its journal)')
    .argument('[barcode]', 'the cartridge barcode: 6-character volume serial + media code, e.g. 000012L5 (or --scan / --scan-camera)')
    .option('--mount <path>', 'where the tape is mounted (LTFS mount point or a folder standing in for a tape)')
    .option('--description <text>', 'what is on it, for people', '')
    .option('--generation <code>', 'LTO generation when the media code does not say it (L5 ... L10, M8)')
    .option('--scan <picture>', 'read the barcode from a JPEG or PNG photo of the label')
    .option('--scan-camera', 'read the barcode with the camera (needs ffmpeg): frames are read until one is seen')
    .option('--scan-timeout <seconds>', 'how long --scan-camera looks', String(DEFAULT_CAMERA_SECONDS))
    .option('--json', 'print the result as JSON')
    .action(async (typed: string | undefined, options: Options) => {
      // The barcode is read (typed, pictured or filmed) before the catalog is opened.
      const seconds = parseSeconds('--scan-timeout', options.scanTimeout);
      const barcode = E.isLeft(seconds)
        ? seconds
        : await barcodeFromArguments(io, { typed, scan: options.scan, scanCamera: options.scanCamera === true, timeoutSeconds: seconds.right });
      if (E.isLeft(barcode)) {
        state.exitCode = reportError(io, barcode.left);
        return;
      }
      await withApp(io, state, globals(), ({ app }) => {
        const result = addTape(app, {
          barcode: barcode.right,
          mount: options.mount,
          description: options.description ?? '',
          generation: options.generation,
        });
        if (E.isLeft(result)) return result;
        if (options.json === true) printJson(io, result.right);
        else printAdded(io, result.right);
        return ok;
      });
    });
};

const printAdded = (io: Io, r: AddTapeResult): void => {
  const s = io.style;
  const what = r.outcome === 'initialised' ? 'added and initialised' : 'was already initialised on this volume: its journal was read into the catalog';
  io.out(`${s.green('✓')} Tape ${s.bold(r.tape)} ${what}`);
  io.out(`  ${GENERATIONS[r.generation].name}, ${formatBytes(r.capacityBytes)} native`);
  io.out(`  ${describeMount(r.mount, r.via, s)}`);
  if (r.job !== '') io.out(`  job ${shortId(r.job)} ADD_TAPE ${s.green('SUCCESS')}`);
};
