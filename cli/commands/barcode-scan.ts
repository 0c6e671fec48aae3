import type { Command } from 'commander';
import * as E from 'fp-ts/Either';
import { parseBarcode } from '../../domain/tape-id';
import type { AppError } from '../../application/errors';
import { barcodesFromImage, tapeIdFromCamera, tapeIdFromImage, type ScannedTapeId } from '../../application/read-barcodes';
import { ok, printJson, withoutApp, type ActionResult, type RunState } from '../action';
import { renderError } from '../errors';
import { EXIT } from '../exit-codes';
import { describeSource } from '../barcode-error-lines';
import type { Io } from '../io';
import { DEFAULT_CAMERA_SECONDS, chooserFor, lookingNotice, parseSeconds } from '../scan-barcode-prompt';

interface Options {
  readonly all?: boolean;
  readonly camera?: boolean;
  readonly timeout: string;
  readonly json?: boolean;
}

export const registerBarcodeScan = (barcode: Command, io: Io, state: RunState): void => {
  barcode
    .command('scan')
    .description("read a tape's barcode from a JPEG or PNG picture (or the camera) and print its id")
    .argument('[picture]', 'a photo or scan of the label (JPEG or PNG)')
    .option('--all', 'list every barcode in the picture (a shelf photo), each with its tape id or why it is not one')
    .option('--camera', 'read frames from the camera (needs ffmpeg) until a barcode is seen')
    .option('--timeout <seconds>', 'how long --camera looks', String(DEFAULT_CAMERA_SECONDS))
    .option('--json', 'print the result as JSON')
    .action((picture: string | undefined, options: Options) =>
      withoutApp(io, state, async () => {
        if (options.all === true) return scanAll(io, picture, options);
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

/** `--all`: every barcode of one picture, in the order read; exit 0 when at least one is a tape id. */
const scanAll = async (io: Io, picture: string | undefined, options: Options): Promise<ActionResult> => {
  if (picture === undefined || options.camera === true) {
    return E.left({ _tag: 'InvalidOption', option: '--all', value: options.camera === true ? '--camera' : '', expected: 'a PICTURE (a photo of a shelf): --all reads one picture, not the camera' });
  }
  const read = await barcodesFromImage(picture);
  if (E.isLeft(read)) return read;
  const listed = read.right.map((b) => ({ text: b.text, tape: b.tape, refused: E.isLeft(b.tape) ? renderError(b.tape.left).message : null }));
  if (options.json === true) {
    printJson(io, {
      source: picture,
      barcodes: listed.map((b) => ({ text: b.text, ...(E.isRight(b.tape) ? scanJsonOf(b.tape.right) : { tape: null, mediaCode: null, generation: null }), refused: b.refused })),
    });
  } else {
    for (const b of listed) io.out(E.isRight(b.tape) ? b.tape.right : `${b.text}  ${io.style.yellow(`not a tape id: ${b.refused ?? ''}`)}`);
  }
  return E.right(listed.some((b) => E.isRight(b.tape)) ? EXIT.OK : EXIT.FAILED);
};

const scanJsonOf = (tape: string) => {
  const barcode = parseBarcode(tape);
  return {
    tape,
    mediaCode: E.isRight(barcode) ? barcode.right.mediaCode : null,
    generation: E.isRight(barcode) ? (barcode.right.generation ?? null) : null,
  };
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
