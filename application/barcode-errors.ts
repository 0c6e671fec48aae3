import type { LabelRangeProblem } from '../domain/label-range';
import type { BarcodeProblem } from '../domain/tape-id';
import type { CameraProblem } from '../infrastructure/barcode/camera';
import type { ImageProblem } from '../infrastructure/barcode/barcode-reader';
import type { SheetProblem } from '../infrastructure/barcode/label-sheet-pdf';

/** Where a barcode was read: a picture file, or a camera device. */
export type ScanSource = { readonly kind: 'image'; readonly path: string } | { readonly kind: 'camera'; readonly device: string };

/** Reading a tape id from a picture or a camera, and printing label sheets: rendered in cli/barcode-error-lines.ts. */
export type BarcodeError =
  | ImageProblem
  | CameraProblem
  | LabelRangeProblem
  | SheetProblem
  | { readonly _tag: 'NoBarcodeFound'; readonly source: ScanSource }
  | { readonly _tag: 'SeveralBarcodes'; readonly source: ScanSource; readonly texts: readonly string[] }
  | { readonly _tag: 'NoBarcodeChosen'; readonly source: ScanSource }
  /** A barcode was read but is not a data tape's id: says what was read, and why not. */
  | { readonly _tag: 'ScannedBarcodeRefused'; readonly source: ScanSource; readonly text: string; readonly problem: BarcodeProblem }
  /** None or several of the ways to name tapes were given (`expected` lists them all). */
  | { readonly _tag: 'TapeIdSourceInvalid'; readonly expected: readonly string[]; readonly given: readonly string[] }
  | { readonly _tag: 'TooManyTapeIds'; readonly given: readonly string[] }
  | { readonly _tag: 'LabelsUnavailable' }
  | { readonly _tag: 'NoTapeWithLabel'; readonly label: string };

/** Every tag, checked complete by the compiler (a tag left out would not compile). */
const TAGS: Readonly<Record<BarcodeError['_tag'], true>> = {
  ImageUnreadable: true,
  NotAnImage: true,
  DecoderFailed: true,
  CameraMissing: true,
  CameraUnsupported: true,
  CameraToolMissing: true,
  CameraFailed: true,
  CameraTimeout: true,
  LabelRangeInvalid: true,
  LabelRangeTooLarge: true,
  NoBarcodeFound: true,
  SeveralBarcodes: true,
  NoBarcodeChosen: true,
  ScannedBarcodeRefused: true,
  TapeIdSourceInvalid: true,
  TooManyTapeIds: true,
  LabelsUnavailable: true,
  NoTapeWithLabel: true,
  LabelSheetUnwritable: true,
};

/** Lets cli/errors.ts hand these to their own renderer in one line. */
export const isBarcodeError = (error: { readonly _tag: string }): error is BarcodeError => Object.hasOwn(TAGS, error._tag);
