import * as E from 'fp-ts/Either';
import type { TapeId } from '../domain/tape-id';
import { readBarcodesFromFrame, readBarcodesFromImageFile } from '../infrastructure/barcode/barcode-reader';
import { findCamera, readBarcodesFromCamera } from '../infrastructure/barcode/camera';
import type { ScanSource } from './barcode-errors';
import type { AppError } from './errors';
import { tapeIdFromInput } from './tape-id-input';

/**
 * Asks a person which of several barcodes they meant (undefined: none of them). Where
 * nobody can be asked (no terminal), no chooser is given and several barcodes are refused.
 */
export type ChooseBarcode = (texts: readonly string[], source: ScanSource) => Promise<string | undefined>;

export interface ScannedTapeId {
  readonly tape: TapeId;
  readonly source: ScanSource;
}

/** The one barcode text meant: the only one read, or the one a person chose. */
const oneText = async (source: ScanSource, texts: readonly string[], choose: ChooseBarcode | undefined): Promise<E.Either<AppError, string>> => {
  const [only] = texts;
  if (only === undefined) return E.left({ _tag: 'NoBarcodeFound', source });
  if (texts.length === 1) return E.right(only);
  if (choose === undefined) return E.left({ _tag: 'SeveralBarcodes', source, texts });
  const chosen = await choose(texts, source);
  return chosen === undefined ? E.left({ _tag: 'NoBarcodeChosen', source }) : E.right(chosen);
};

/** The tape id rules of a typed barcode apply; a refusal also says what was read and where. */
const asTapeId = (source: ScanSource, text: string): E.Either<AppError, ScannedTapeId> => {
  const parsed = tapeIdFromInput(text);
  if (E.isRight(parsed)) return E.right({ tape: parsed.right, source });
  const problem = parsed.left;
  return problem._tag === 'MalformedBarcode' || problem._tag === 'CleaningCartridge'
    ? E.left({ _tag: 'ScannedBarcodeRefused', source, text, problem })
    : E.left(problem);
};

/** From the barcode texts read at `source` to one tape id. */
export const chooseTapeId = async (source: ScanSource, texts: readonly string[], choose: ChooseBarcode | undefined): Promise<E.Either<AppError, ScannedTapeId>> => {
  const text = await oneText(source, texts, choose);
  return E.isLeft(text) ? text : asTapeId(source, text.right);
};

/** One barcode of a picture read whole: its tape id, or why it is not one. */
export interface ReadBarcode {
  readonly text: string;
  readonly tape: E.Either<AppError, TapeId>;
}

/** Every barcode of a picture (a shelf photo: an inventory), each checked as a tape id; none found is an error. */
export const barcodesFromImage = async (path: string): Promise<E.Either<AppError, readonly ReadBarcode[]>> => {
  const texts = await readBarcodesFromImageFile(path);
  if (E.isLeft(texts)) return texts;
  if (texts.right.length === 0) return E.left({ _tag: 'NoBarcodeFound', source: { kind: 'image', path } });
  return E.right(texts.right.map((text) => ({ text, tape: tapeIdFromInput(text) })));
};

/** A tape id from a JPEG or PNG picture of its label. */
export const tapeIdFromImage = async (path: string, choose: ChooseBarcode | undefined): Promise<E.Either<AppError, ScannedTapeId>> => {
  const texts = await readBarcodesFromImageFile(path);
  return E.isLeft(texts) ? texts : chooseTapeId({ kind: 'image', path }, texts.right, choose);
};

/**
 * A tape id from this machine's camera: frames are read until one holds a barcode, or
 * `timeoutSeconds` pass. `looking` is told the device once there is one to look through.
 */
export const tapeIdFromCamera = async (
  timeoutSeconds: number,
  choose: ChooseBarcode | undefined,
  looking: (device: string) => void = () => undefined,
): Promise<E.Either<AppError, ScannedTapeId>> => {
  const camera = findCamera();
  if (E.isLeft(camera)) return camera;
  looking(camera.right.device);
  const texts = await readBarcodesFromCamera(camera.right, timeoutSeconds, readBarcodesFromFrame);
  return E.isLeft(texts) ? texts : chooseTapeId({ kind: 'camera', device: camera.right.device }, texts.right, choose);
};

/** Whether `tapeIdFromCamera` can work here at all: for the menu, which offers the camera only where there is one. */
export const cameraAvailable = (): boolean => E.isRight(findCamera());
