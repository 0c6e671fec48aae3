import * as fs from 'node:fs';
import * as path from 'node:path';
import * as E from 'fp-ts/Either';
import { FORMAT, describeErrors } from '../../domain/events';
import { VolumeLabel } from '../../domain/volume-label';
import { describeUnknownFeatures, unknownFeatures } from '../../domain/format-features';
import { isErrno } from '../errno';
import { closeQuietly, fileFailure, fsyncDirectory, parentOf, writeAll, type FileFailure } from '../journal/durable-file';
import { sha256Hex } from '../journal/journal-record';

/** The folder at the root of the volume that holds everything of ours, and the label in it. */
export const ARCHIVE_DIR = 'LTO-ARCHIVE';
export const VOLUME_LABEL_FILE = 'volume.json';
/** How messages name the label: the same on every mount. */
const LABEL_NAME = `${ARCHIVE_DIR}/${VOLUME_LABEL_FILE}`;

/** volume.json is a few hundred bytes (a few KiB with RSA slots); anything past this is not a label. */
const MAX_LABEL_BYTES = 1024 * 1024;

/** The label as it is on tape: decoded, plus its exact bytes, whose SHA-256 anchors the journal. */
export interface VolumeLabelFile {
  readonly label: VolumeLabel;
  readonly path: string;
  readonly bytes: Buffer;
  /** SHA-256 hex of `bytes`: the `prev` of journal record 1. */
  readonly hash: string;
}

export type VolumeLabelError =
  | { readonly _tag: 'VolumeLabelMissing'; readonly path: string }
  | ({ readonly _tag: 'VolumeLabelUnreadable'; readonly path: string } & FileFailure)
  | { readonly _tag: 'VolumeLabelNotJson'; readonly path: string; readonly message: string }
  /** Written by another version of lto-archive (or not by lto-archive): never read as ours. */
  | { readonly _tag: 'VolumeLabelUnknownFormat'; readonly path: string; readonly format: string; readonly message: string }
  /** Our format, but the tape needs a format feature this version does not know: nothing on it is read. */
  | { readonly _tag: 'VolumeLabelUnknownFeature'; readonly path: string; readonly features: readonly string[]; readonly message: string }
  /** JSON, our format, but a field fails its codec; each problem names the file and the field. */
  | { readonly _tag: 'VolumeLabelInvalid'; readonly path: string; readonly problems: readonly string[] };

export type VolumeLabelWriteError =
  /** volume.json is written once: there is one already. */
  | { readonly _tag: 'VolumeLabelExists'; readonly path: string }
  | ({ readonly _tag: 'VolumeLabelWriteFailed'; readonly path: string; readonly op: 'mkdir' | 'open' | 'write' | 'fsync' } & FileFailure);

/** The bytes of volume.json for `label`: 2-space JSON, keys in format order, one final LF. */
export const encodeVolumeLabel = (label: VolumeLabel): Buffer =>
  Buffer.from(
    `${JSON.stringify(
      {
        format: label.format,
        tape: label.tape,
        generation: label.generation,
        volumeUuid: label.volumeUuid,
        created: label.created,
        ...(label.encryption === undefined ? {} : { encryption: label.encryption }),
        ...(label.features === undefined || label.features.length === 0 ? {} : { features: label.features }),
      },
      null,
      2,
    )}\n`,
    'utf8',
  );

/**
 * Writes `<archiveDir>/volume.json` once (creating `archiveDir`, the LTO-ARCHIVE
 * folder, if needed): exclusive create, fsync of the file and of the folder.
 */
export const writeVolumeLabel = (archiveDir: string, label: VolumeLabel): E.Either<VolumeLabelWriteError, VolumeLabelFile> => {
  const file = path.join(archiveDir, VOLUME_LABEL_FILE);
  const bytes = encodeVolumeLabel(label);
  const failed = (op: 'mkdir' | 'open' | 'write' | 'fsync', error: unknown): VolumeLabelWriteError => ({
    _tag: 'VolumeLabelWriteFailed',
    path: file,
    op,
    ...fileFailure(error),
  });
  try {
    if (!fs.existsSync(archiveDir)) {
      fs.mkdirSync(archiveDir);
      fsyncDirectory(parentOf(archiveDir));
    }
  } catch (error) {
    if (!isErrno(error, 'EEXIST')) return E.left(failed('mkdir', error));
  }
  let fd: number;
  try {
    fd = fs.openSync(file, 'wx');
  } catch (error) {
    if (isErrno(error, 'EEXIST')) return E.left({ _tag: 'VolumeLabelExists', path: file });
    return E.left(failed('open', error));
  }
  try {
    try {
      writeAll(fd, bytes);
    } catch (error) {
      return E.left(failed('write', error));
    }
    try {
      fs.fsyncSync(fd);
    } catch (error) {
      return E.left(failed('fsync', error));
    }
  } finally {
    closeQuietly(fd);
  }
  fsyncDirectory(archiveDir);
  return E.right({ label, path: file, bytes, hash: sha256Hex(bytes) });
};

/** Reads and decodes `<archiveDir>/volume.json`; refuses a format this version does not write. */
export const readVolumeLabel = (archiveDir: string): E.Either<VolumeLabelError, VolumeLabelFile> => {
  const file = path.join(archiveDir, VOLUME_LABEL_FILE);
  let bytes: Buffer;
  try {
    bytes = readSmallFile(file);
  } catch (error) {
    if (isErrno(error, 'ENOENT')) return E.left({ _tag: 'VolumeLabelMissing', path: file });
    return E.left({ _tag: 'VolumeLabelUnreadable', path: file, ...fileFailure(error) });
  }
  return E.map((label: VolumeLabel): VolumeLabelFile => ({ label, path: file, bytes, hash: sha256Hex(bytes) }))(decodeVolumeLabel(file, bytes));
};

/** Decodes the bytes of a volume.json (pure); `file` only names it in errors. */
export const decodeVolumeLabel = (file: string, bytes: Buffer): E.Either<VolumeLabelError, VolumeLabel> => {
  if (bytes.length > MAX_LABEL_BYTES) {
    return E.left({ _tag: 'VolumeLabelNotJson', path: file, message: `${LABEL_NAME}: ${bytes.length} bytes, more than a label can be` });
  }
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes));
  } catch (error) {
    return E.left({ _tag: 'VolumeLabelNotJson', path: file, message: `${LABEL_NAME}: not JSON in UTF-8 (${error instanceof Error ? error.message : String(error)})` });
  }
  const format = typeof value === 'object' && value !== null && 'format' in value ? value.format : undefined;
  if (typeof format === 'string' && format !== FORMAT) {
    const message = /^lto-archive\/\d+$/.test(format)
      ? `${LABEL_NAME}: format "${format}" was written by another version of lto-archive; this version reads ${FORMAT} only`
      : `${LABEL_NAME}: unknown format "${format}" (not written by lto-archive ${FORMAT}); this version reads ${FORMAT} only`;
    return E.left({ _tag: 'VolumeLabelUnknownFormat', path: file, format, message });
  }
  const decoded = VolumeLabel.decode(value);
  if (E.isLeft(decoded)) {
    return E.left({ _tag: 'VolumeLabelInvalid', path: file, problems: describeErrors(decoded.left).map(namingFile) });
  }
  const unknown = unknownFeatures(decoded.right.features ?? []);
  if (unknown.length > 0) {
    return E.left({ _tag: 'VolumeLabelUnknownFeature', path: file, features: unknown, message: `${LABEL_NAME}: this tape needs ${describeUnknownFeatures(unknown)}` });
  }
  return E.right(decoded.right);
};

/** `tape: expected TapeId, got "X"` -> `LTO-ARCHIVE/volume.json: field "tape": expected TapeId, got "X"`. */
const namingFile = (problem: string): string => {
  const colon = problem.indexOf(': ');
  const field = colon === -1 ? '(root)' : problem.slice(0, colon);
  const rest = colon === -1 ? problem : problem.slice(colon + 2);
  return field === '(root)' ? `${LABEL_NAME}: ${rest}` : `${LABEL_NAME}: field "${field}": ${rest}`;
};

const readSmallFile = (file: string): Buffer => {
  const fd = fs.openSync(file, 'r');
  try {
    const chunks: Buffer[] = [];
    let total = 0;
    const chunk = Buffer.alloc(64 * 1024);
    for (;;) {
      const n = fs.readSync(fd, chunk, 0, chunk.length, null);
      if (n === 0) break;
      chunks.push(Buffer.from(chunk.subarray(0, n)));
      total += n;
      if (total > MAX_LABEL_BYTES) break;
    }
    return Buffer.concat(chunks, total);
  } finally {
    closeQuietly(fd);
  }
};
