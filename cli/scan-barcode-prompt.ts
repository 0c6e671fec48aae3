import * as E from 'fp-ts/Either';
import type { ScanSource } from '../application/barcode-errors';
import type { AppError } from '../application/errors';
import { cameraAvailable, tapeIdFromCamera, tapeIdFromImage, type ChooseBarcode, type ScannedTapeId } from '../application/read-barcodes';
import { describeSource } from './barcode-error-lines';
import type { Io } from './io';
import { terminalAsk, type Ask } from './ui/ask';

/** How long a camera scan looks for a barcode unless told otherwise. */
export const DEFAULT_CAMERA_SECONDS = 30;

/** Lists the barcodes read and asks for one by number (or typed out); empty answer or end of input cancels. */
export const chooseFromList =
  (io: Io, ask: Ask): ChooseBarcode =>
  async (texts: readonly string[], source: ScanSource) => {
    io.err(`${describeSource(source)} holds ${texts.length} barcodes:`);
    texts.forEach((text, i) => io.err(`  ${i + 1}) ${text}`));
    for (;;) {
      const answer = (await ask(`Which one (1-${texts.length}, empty to cancel)? `))?.trim();
      if (answer === undefined || answer === '') return undefined;
      const byNumber = /^\d+$/.test(answer) ? texts[Number(answer) - 1] : undefined;
      const chosen = byNumber ?? texts.find((text) => text === answer.toUpperCase());
      if (chosen !== undefined) return chosen;
      io.err(`"${answer}" is not one of them.`);
    }
  };

/** On a terminal a person is asked; elsewhere (scripts, CI) several barcodes are refused instead. */
export const chooserFor = (io: Io): ChooseBarcode | undefined => (io.interactive ? chooseFromList(io, terminalAsk) : undefined);

/** Said once a camera is open, so a person knows to hold the label up. */
export const lookingNotice =
  (io: Io, timeoutSeconds: number) =>
  (device: string): void =>
    io.err(io.errStyle.dim(`Hold the label in front of ${device} (looking for up to ${timeoutSeconds} s)...`));

/** A path as a terminal pastes a dragged file: maybe quoted. */
const unquote = (text: string): string => text.trim().replace(/^(['"])(.*)\1$/, '$2');

/**
 * For the interactive menu's tape-id prompt when the person types "scan": the camera
 * where this machine has one, otherwise a picture whose path is asked for. Right(undefined)
 * means the person gave up (empty answer): back to the prompt.
 */
export const readTapeIdFromScan = async (
  io: Io,
  ask: Ask = terminalAsk,
  timeoutSeconds: number = DEFAULT_CAMERA_SECONDS,
): Promise<E.Either<AppError, ScannedTapeId | undefined>> => {
  const choose = chooseFromList(io, ask);
  if (cameraAvailable()) return tapeIdFromCamera(timeoutSeconds, choose, lookingNotice(io, timeoutSeconds));
  const answer = await ask('No camera here. Picture of the label (JPEG or PNG file, empty to cancel): ');
  if (answer === undefined || unquote(answer) === '') return E.right(undefined);
  return tapeIdFromImage(unquote(answer), choose);
};

export interface TapeIdArguments {
  readonly typed: string | undefined;
  readonly scan: string | undefined;
  readonly scanCamera: boolean;
  readonly timeoutSeconds: number;
}

const TYPED = 'the barcode';
const SCAN = '--scan PICTURE';
const SCAN_CAMERA = '--scan-camera';

/** The barcode a command works on: typed, read from a picture, or read by the camera (exactly one of them). */
export const barcodeFromArguments = async (io: Io, args: TapeIdArguments): Promise<E.Either<AppError, string>> => {
  const given = [...(args.typed !== undefined ? [TYPED] : []), ...(args.scan !== undefined ? [SCAN] : []), ...(args.scanCamera ? [SCAN_CAMERA] : [])];
  if (given.length !== 1) return E.left({ _tag: 'TapeIdSourceInvalid', expected: [TYPED, SCAN, SCAN_CAMERA], given });
  if (args.typed !== undefined) return E.right(args.typed);
  const scanned =
    args.scan !== undefined
      ? await tapeIdFromImage(args.scan, chooserFor(io))
      : await tapeIdFromCamera(args.timeoutSeconds, chooserFor(io), lookingNotice(io, args.timeoutSeconds));
  if (E.isLeft(scanned)) return scanned;
  io.err(io.errStyle.dim(`Read ${scanned.right.tape} from ${describeSource(scanned.right.source)}.`));
  return E.right(scanned.right.tape);
};

/** `--scan-timeout` / `--timeout`: seconds, a positive number. */
export const parseSeconds = (option: string, value: string): E.Either<AppError, number> => {
  const seconds = Number(value);
  return Number.isFinite(seconds) && seconds > 0 ? E.right(seconds) : E.left({ _tag: 'InvalidOption', option, value, expected: 'a number of seconds > 0' });
};
