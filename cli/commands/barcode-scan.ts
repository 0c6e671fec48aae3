import type { Command } from 'commander';
import * as E from 'fp-ts/Either';
import { parseBarcode } from '../../domain/tape-id';
import type { AppError } from '../../application/errors';
import { tapeIdFromCamera, tapeIdFromImage, type ScannedTapeId } from '../../application/scan-tape-id';
import { ok, printJson, withoutApp, type RunState } from '../action';
import { describeSource } from '../barcode-errors';
import type { Io } from '../io';
import { DEFAULT_CAMERA_SECONDS, chooserFor, lookingNotice, parseSeconds } from '../scan-tape-id';

interface Options {
  readonly camera?: boolean;
  readonly timeout: string;
  readonly json?: boolean;
}

export const registerBarcodeScan = (barcode: Command, io: Io, state: RunState): void => {
  barcode
    .command('scan')
    .description("read a tape's barcode from a JPEG or PNG picture (or the camera) and print its id")
    .argument('[picture]', 'a photo or scan of the label (JPEG or PNG)')
    .option('--camera', 'read frames from the camera (needs ffmpeg) until a barcode is seen')
    .option('--timeout <seconds>', 'how long --camera looks', String(DEFAULT_CAMERA_SECONDS))
    .option('--json', 'print the result as JSON')
    .action((picture: string | undefined, options: Options) =>
      withoutApp(io, state, async () => {
        const scanned = await scan(io, picture, options);
        if (E.isLeft(scanned)) return scanned;
        if (options.json === true) printJson(io, scanJson(scanned.right));
        else io.out(scanned.right.tape);
        return ok;
      }),
    );
};

const scan = async (io: Io, picture: string | undefined, options: Options): Promise<E.Either<AppError, ScannedTapeId>> => {
  if ((picture === undefined) === (options.camera !== true)) {
    return E.left({ _tag: 'TapeIdSourceInvalid', expected: ['PICTURE', '--camera'], given: picture === undefined ? [] : ['PICTURE', '--camera'] });
  }
  if (picture !== undefined) return tapeIdFromImage(picture, chooserFor(io));
  const seconds = parseSeconds('--timeout', options.timeout);
  return E.isLeft(seconds) ? seconds : tapeIdFromCamera(seconds.right, chooserFor(io), lookingNotice(io, seconds.right));
};

/** The `barcode scan --json` shape: the id, what its media code says, and where it was read. */
const scanJson = (scanned: ScannedTapeId) => {
  const barcode = parseBarcode(scanned.tape);
  return {
    tape: scanned.tape,
    mediaCode: E.isRight(barcode) ? barcode.right.mediaCode : null,
    generation: E.isRight(barcode) ? (barcode.right.generation ?? null) : null,
    source: describeSource(scanned.source),
  };
};
