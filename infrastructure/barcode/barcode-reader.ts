import * as fs from 'node:fs';
import * as E from 'fp-ts/Either';
import type * as Zxing from 'zxing-wasm/reader';
import { errnoCode, errorMessage } from '../errno';

export type ImageProblem =
  | { readonly _tag: 'ImageUnreadable'; readonly path: string; readonly code: string }
  | { readonly _tag: 'NotAnImage'; readonly path: string }
  | { readonly _tag: 'DecoderFailed'; readonly detail: string };

/** A frame already in memory (a camera's), as RGBA bytes: what the decoder takes besides files. */
export interface RgbaFrame {
  readonly data: Uint8ClampedArray;
  readonly width: number;
  readonly height: number;
}

/**
 * LTO labels are Code 39. Reading only that symbology keeps stray codes on a desk out;
 * the `try*` passes are what lets a tilted, blurred phone photo still decode.
 */
const READER_OPTIONS: Zxing.ReaderOptions = {
  formats: ['Code39'],
  tryHarder: true,
  tryRotate: true,
  tryInvert: true,
  tryDownscale: true,
  tryDenoise: true,
  tryCode39ExtendedMode: false,
  maxNumberOfSymbols: 255,
};

let decoder: typeof Zxing | undefined;
/**
 * The decoder, loaded on first use (only barcode commands need it). zxing-wasm fetches
 * its .wasm from a CDN unless it is handed the bytes: the binary ships inside the
 * package, so it is read from there (no network, same version as the JS).
 */
const zxing = (): typeof Zxing => {
  if (decoder !== undefined) return decoder;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const loaded: typeof Zxing = require('zxing-wasm/reader');
  const wasm = fs.readFileSync(require.resolve('zxing-wasm/reader/zxing_reader.wasm'));
  loaded.prepareZXingModule({ overrides: { wasmBinary: wasm.buffer.slice(wasm.byteOffset, wasm.byteOffset + wasm.byteLength) } });
  decoder = loaded;
  return loaded;
};

const PNG = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
const JPEG = [0xff, 0xd8, 0xff];
const startsWith = (bytes: Uint8Array, magic: readonly number[]): boolean => magic.every((b, i) => bytes[i] === b);

/** The decoder would read more formats, but the tool promises JPEG and PNG: tell the rest apart early and clearly. */
export const isJpegOrPng = (bytes: Uint8Array): boolean => startsWith(bytes, PNG) || startsWith(bytes, JPEG);

/** The texts of every distinct Code 39 barcode in `input`, in the order the decoder found them. */
const decode = async (input: Uint8Array | RgbaFrame): Promise<E.Either<ImageProblem, readonly string[]>> => {
  try {
    const results = await zxing().readBarcodes(input, READER_OPTIONS);
    const texts = results.filter((r) => r.isValid && r.text !== '').map((r) => r.text);
    return E.right([...new Set(texts)]);
  } catch (error) {
    return E.left({ _tag: 'DecoderFailed', detail: errorMessage(error) });
  }
};

export const readBarcodesFromFrame = (frame: RgbaFrame): Promise<E.Either<ImageProblem, readonly string[]>> => decode(frame);

/** Every barcode text in a JPEG or PNG file. */
export const readBarcodesFromImageFile = async (path: string): Promise<E.Either<ImageProblem, readonly string[]>> => {
  let bytes: Uint8Array;
  try {
    bytes = fs.readFileSync(path);
  } catch (error) {
    return E.left({ _tag: 'ImageUnreadable', path, code: errnoCode(error) });
  }
  if (!isJpegOrPng(bytes)) return E.left({ _tag: 'NotAnImage', path });
  return decode(bytes);
};
