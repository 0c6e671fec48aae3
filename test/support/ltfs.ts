import * as fs from 'node:fs';
import * as path from 'node:path';
import { getAttributeSync, removeAttributeSync, setAttributeSync } from '@napi-rs/xattr';
import { ltfsAttributeName } from '../../infrastructure/tape/ltfs-attributes';

/**
 * Makes a folder look like an LTFS mount: the `user.ltfs.*` attributes a real mount
 * answers (ltfs-facts.md), set for real on the folder. Values as LTFS gives them (text;
 * the barcode padded with spaces; -1 for a counter the drive does not report).
 */
export const LTFS_ROOT_DEFAULTS: Readonly<Record<string, string>> = {
  softwareProduct: 'LTFS',
  volumeUUID: '3f1c2a9e-5b7d-4e21-9a0c-8d6b4f2e1a77',
  volumeName: 'PHOTOS',
  mamBarcode: '000012L5                        ',
  volumeSerial: '000012',
  indexGeneration: '5',
  indexTime: '2026-11-26T10:00:00.000000000Z',
  indexLocation: 'a:5',
  volumeBlocksize: '524288',
  volumeCompression: '1',
  mediaEncrypted: 'false',
  mediaStorageAlert: '0x0000000000000000',
  mediaDataPartitionTotalCapacity: '1425000',
  mediaDataPartitionAvailableSpace: '1400000',
  mediaIndexPartitionTotalCapacity: '37000',
  mediaIndexPartitionAvailableSpace: '36990',
  mediaLoads: '12',
  mediaPermanentWriteErrors: '-1',
  mediaPermanentReadErrors: '0',
  mediaMBWritten: '25000',
};

export const setLtfs = (file: string, name: string, value: string): void => setAttributeSync(file, ltfsAttributeName(name), value);

export const getLtfs = (file: string, name: string): string | undefined => getAttributeSync(file, ltfsAttributeName(name))?.toString('utf8');

export const removeLtfs = (file: string, name: string): void => {
  try {
    removeAttributeSync(file, ltfsAttributeName(name));
  } catch {
    // Not there.
  }
};

/** Sets the root attributes of an LTFS mount on `root`, `overrides` winning (undefined: left out). */
export const imitateLtfs = (root: string, overrides: Readonly<Record<string, string | undefined>> = {}): void => {
  const all: Record<string, string | undefined> = { ...LTFS_ROOT_DEFAULTS, ...overrides };
  for (const [name, value] of Object.entries(all)) {
    if (value !== undefined) setLtfs(root, name, value);
  }
};

/**
 * Whether the temporary folder's file system keeps user xattrs (ext4 does; tmpfs only
 * from Linux 6.6). Where it does not, the LTFS tests are skipped with this reason.
 */
export const userXattrsMissing = (dir: string): string | false => {
  const probe = fs.mkdtempSync(path.join(dir, 'lto-xattr-probe-'));
  try {
    setAttributeSync(probe, 'user.lto-probe', '1');
    return getAttributeSync(probe, 'user.lto-probe')?.toString() === '1' ? false : `${dir} does not keep user xattrs`;
  } catch (error) {
    return `${dir} does not keep user xattrs (${error instanceof Error ? error.message : String(error)})`;
  } finally {
    fs.rmSync(probe, { recursive: true, force: true });
  }
};
