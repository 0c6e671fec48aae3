import type { BarcodeError, ScanSource } from '../application/barcode-errors';
import type { AppError } from '../application/errors';
import type { Rendered } from './errors';
import { EXIT } from './exit-codes';

export const describeSource = (source: ScanSource): string => (source.kind === 'image' ? source.path : `the camera ${source.device}`);

const quoted = (texts: readonly string[]): string => texts.map((text) => `"${text}"`).join(', ');

/** Barcode reading and label printing errors: one line each, with the exit code (see cli/errors.ts). */
export const renderBarcodeError = (error: BarcodeError, render: (error: AppError) => Rendered): Rendered => {
  switch (error._tag) {
    case 'ImageUnreadable':
      return { message: `cannot read the picture ${error.path} (${error.code})`, exit: EXIT.USAGE };
    case 'NotAnImage':
      return { message: `${error.path} is not a JPEG or PNG picture`, exit: EXIT.USAGE };
    case 'DecoderFailed':
      return { message: `the barcode decoder failed: ${error.detail}`, exit: EXIT.LOCAL };
    case 'CameraMissing':
      return { message: `no camera on this machine (no ${error.looked}): use --scan PICTURE or type the barcode`, exit: EXIT.LOCAL };
    case 'CameraUnsupported':
      return { message: `reading a camera is supported on Linux and macOS, not on ${error.platform}: use --scan PICTURE or type the barcode`, exit: EXIT.LOCAL };
    case 'CameraToolMissing':
      return { message: `a camera was found (${error.device}) but ffmpeg, which reads its frames, is not installed`, exit: EXIT.LOCAL };
    case 'CameraFailed':
      return { message: `reading the camera ${error.device} failed: ${error.detail}`, exit: EXIT.LOCAL };
    case 'CameraTimeout':
      return { message: `no barcode seen by ${error.device} in ${error.seconds} s: hold the label closer, in good light`, exit: EXIT.FAILED };
    case 'LabelRangeInvalid':
      return { message: `${error.first} to ${error.last} is not a range of labels: ${error.reason}`, exit: EXIT.USAGE };
    case 'LabelRangeTooLarge':
      return { message: `${error.first} to ${error.last} is ${error.count} labels, more than ${error.max} in one run: check the range`, exit: EXIT.USAGE };
    case 'NoBarcodeFound':
      return { message: `no barcode found in ${describeSource(error.source)}`, exit: EXIT.FAILED };
    case 'SeveralBarcodes':
      return {
        message: `${describeSource(error.source)} holds ${error.texts.length} barcodes (${quoted(error.texts)}): run this on a terminal to choose one, or picture a single label (\`lto barcode scan --all\` lists them all)`,
        exit: EXIT.USAGE,
      };
    case 'NoBarcodeChosen':
      return { message: `no barcode chosen from ${describeSource(error.source)}`, exit: EXIT.FAILED };
    case 'ScannedBarcodeRefused': {
      const why = render(error.problem);
      return { message: `read "${error.text}" from ${describeSource(error.source)}, refused: ${why.message}`, exit: why.exit };
    }
    case 'TapeIdSourceInvalid':
      return {
        message: error.given.length === 0 ? `give one of: ${error.expected.join(', ')}` : `give only one of: ${error.given.join(', ')}`,
        exit: EXIT.USAGE,
      };
    case 'TooManyTapeIds':
      return { message: `${error.given.length} tape ids given: give one, or the first and last of a range`, exit: EXIT.USAGE };
    case 'LabelsUnavailable':
      return { message: 'labels are not available in this catalog yet', exit: EXIT.USAGE };
    case 'NoTapeWithLabel':
      return { message: `no tape carries the label ${error.label}`, exit: EXIT.FAILED };
    case 'LabelSheetUnwritable':
      return { message: `cannot write the label sheet ${error.path}: ${error.reason}`, exit: EXIT.LOCAL };
    default: {
      const unhandled: never = error;
      return { message: `unexpected error: ${JSON.stringify(unhandled)}`, exit: EXIT.FAILED };
    }
  }
};
