import type { TapePosition } from '../../domain/tape-order';

type Xattr = typeof import('@napi-rs/xattr');
let xattrModule: Xattr | null | undefined;

/**
 * The native xattr binding, loaded on first use. Where it has no build (Windows, whose
 * LTFS shows these facts differently) it is null and every function here falls back.
 */
const xattr = (): Xattr | null => {
  if (xattrModule === undefined) {
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const loaded: Xattr = require('@napi-rs/xattr');
      xattrModule = loaded;
    } catch {
      xattrModule = null;
    }
  }
  return xattrModule;
};

/**
 * The virtual extended attributes of an LTFS mount (../shared/ltfs-facts.md). Each is
 * asked for by name (LTFS does not list them). On a plain folder standing in for a
 * tape none exist, and every function here falls back quietly: `undefined`, never a throw.
 */

/** Linux puts user attributes under `user.`; macOS has no namespaces. */
const PREFIX = process.platform === 'darwin' ? '' : 'user.';

export const ltfsAttributeName = (name: string): string => `${PREFIX}ltfs.${name}`;

/** One attribute as text (trimmed: LTFS pads `mamBarcode` with spaces), undefined when absent or unreadable. */
export const readLtfsAttribute = (file: string, name: string): string | undefined => {
  const binding = xattr();
  if (binding === null) return undefined;
  try {
    const value = binding.getAttributeSync(file, ltfsAttributeName(name));
    if (value === null) return undefined;
    const text = value.toString('utf8').replace(/\0+$/, '').trim();
    return text === '' ? undefined : text;
  } catch {
    // ENODATA, ENOTSUP, EACCES...: the mount does not offer it.
    return undefined;
  }
};

/** A whole non-negative number; LTFS answers -1 (or text) for counters the drive does not report. */
const readCount = (file: string, name: string): number | undefined => {
  const text = readLtfsAttribute(file, name);
  if (text === undefined || !/^\d{1,15}$/.test(text)) return undefined;
  return Number(text);
};

const MIB = 1024 * 1024;

/** Present only on an LTFS mount: the reliable "is this LTFS?". */
export const ltfsProduct = (root: string): string | undefined => readLtfsAttribute(root, 'softwareProduct');

export interface LtfsIdentity {
  readonly softwareProduct: string;
  readonly volumeUuid: string | undefined;
  readonly volumeName: string | undefined;
  /** The barcode from the cartridge memory (MAM), trailing padding trimmed. */
  readonly barcode: string | undefined;
  /** The 6-character volume serial written in the LTFS label. */
  readonly volumeSerial: string | undefined;
}

/** The cartridge's identity, when `root` is an LTFS mount. */
export const ltfsIdentity = (root: string): LtfsIdentity | undefined => {
  const softwareProduct = ltfsProduct(root);
  if (softwareProduct === undefined) return undefined;
  return {
    softwareProduct,
    volumeUuid: readLtfsAttribute(root, 'volumeUUID'),
    volumeName: readLtfsAttribute(root, 'volumeName'),
    barcode: readLtfsAttribute(root, 'mamBarcode'),
    volumeSerial: readLtfsAttribute(root, 'volumeSerial'),
  };
};

export interface LtfsCapacity {
  /** Data partition, in bytes (LTFS reports MiB). */
  readonly totalBytes: number;
  readonly freeBytes: number;
}

/** The data partition's size and free space from the media attributes, when both are reported. */
export const ltfsCapacity = (root: string): LtfsCapacity | undefined => {
  const total = readCount(root, 'mediaDataPartitionTotalCapacity');
  const free = readCount(root, 'mediaDataPartitionAvailableSpace');
  if (total === undefined || free === undefined || total === 0) return undefined;
  return { totalBytes: total * MIB, freeBytes: Math.min(free, total) * MIB };
};

/** Media health counters, each only where the drive reports it. */
export const LTFS_HEALTH_COUNTERS = [
  'mediaLoads',
  'mediaRecoveredWriteErrors',
  'mediaPermanentWriteErrors',
  'mediaRecoveredReadErrors',
  'mediaPermanentReadErrors',
  'mediaBeginningMediumPasses',
  'mediaMiddleMediumPasses',
  'mediaEfficiency',
  'mediaMBWritten',
  'mediaMBRead',
] as const;
export type LtfsHealthCounter = (typeof LTFS_HEALTH_COUNTERS)[number];

export interface LtfsFacts extends LtfsIdentity {
  readonly indexGeneration: number | undefined;
  readonly indexTime: string | undefined;
  readonly indexLocation: string | undefined;
  readonly blockSize: number | undefined;
  readonly compression: string | undefined;
  readonly encrypted: string | undefined;
  readonly storageAlert: string | undefined;
  readonly dataPartition: LtfsCapacity | undefined;
  readonly indexPartition: LtfsCapacity | undefined;
  readonly health: Readonly<Partial<Record<LtfsHealthCounter, number>>>;
}

const indexPartitionOf = (root: string): LtfsCapacity | undefined => {
  const total = readCount(root, 'mediaIndexPartitionTotalCapacity');
  const free = readCount(root, 'mediaIndexPartitionAvailableSpace');
  if (total === undefined || free === undefined) return undefined;
  return { totalBytes: total * MIB, freeBytes: Math.min(free, total) * MIB };
};

/** Everything `tape show` prints about an LTFS mount; undefined on a plain folder. */
export const ltfsFacts = (root: string): LtfsFacts | undefined => {
  const identity = ltfsIdentity(root);
  if (identity === undefined) return undefined;
  const health: Partial<Record<LtfsHealthCounter, number>> = {};
  for (const name of LTFS_HEALTH_COUNTERS) {
    const value = readCount(root, name);
    if (value !== undefined) health[name] = value;
  }
  return {
    ...identity,
    indexGeneration: readCount(root, 'indexGeneration'),
    indexTime: readLtfsAttribute(root, 'indexTime'),
    indexLocation: readLtfsAttribute(root, 'indexLocation'),
    blockSize: readCount(root, 'volumeBlocksize'),
    compression: readLtfsAttribute(root, 'volumeCompression'),
    encrypted: readLtfsAttribute(root, 'mediaEncrypted'),
    storageAlert: readLtfsAttribute(root, 'mediaStorageAlert'),
    dataPartition: ltfsCapacity(root),
    indexPartition: indexPartitionOf(root),
    health,
  };
};

/** Where a file's first extent lies, when the mount reports it. */
export const tapePosition = (file: string): TapePosition | undefined => {
  const startBlock = readCount(file, 'startblock');
  if (startBlock === undefined) return undefined;
  return { partition: readLtfsAttribute(file, 'partition') ?? '', startBlock };
};

/** Which index of which cartridge an LTFS mount shows now: three virtual attributes, no tape motion. */
export interface LtfsIndexState {
  readonly volumeUuid: string;
  readonly generation: number;
  /** When that index was written: two indexes with one generation number (a rollback) differ here. */
  readonly time: string;
}

export const ltfsIndexState = (root: string): LtfsIndexState | undefined => {
  if (ltfsProduct(root) === undefined) return undefined;
  const volumeUuid = readLtfsAttribute(root, 'volumeUUID');
  const generation = readCount(root, 'indexGeneration');
  const time = readLtfsAttribute(root, 'indexTime');
  return volumeUuid === undefined || generation === undefined || time === undefined ? undefined : { volumeUuid, generation, time };
};

/**
 * Asks LTFS to write its index now (setting `ltfs.sync` on the mount root), and returns
 * the index generation reached. Only on an LTFS mount; undefined elsewhere or when the
 * request fails (the data is then durable only from the next index write LTFS makes).
 */
export const requestIndexSync = (root: string): number | undefined => {
  const binding = xattr();
  if (binding === null || ltfsProduct(root) === undefined) return undefined;
  try {
    binding.setAttributeSync(root, ltfsAttributeName('sync'), '1');
  } catch {
    return undefined;
  }
  return readCount(root, 'indexGeneration');
};

/**
 * Write protection of a closed file where the mount offers it (`ltfs.vendor.IBM.immutable`).
 * Returns whether it was set; a plain folder, or a mount without it, says no.
 *
 * Never `...appendonly`: with it set, this LTFS accepts only part of a large write()
 * and refuses the next one with EACCES (ltfs-facts.md), which tore journals of big jobs.
 */
export const protectFile = (root: string, file: string): boolean => setVendorFlag(root, file, 'immutable', '1');

/**
 * Lifts `ltfs.vendor.IBM.appendonly` from a file an earlier version protected with it,
 * so that appends to it are taken whole. Returns whether the flag was there and is now off.
 */
export const liftAppendOnly = (root: string, file: string): boolean =>
  readLtfsAttribute(file, 'vendor.IBM.appendonly') === '1' && setVendorFlag(root, file, 'appendonly', '0');

const setVendorFlag = (root: string, file: string, flag: 'immutable' | 'appendonly', value: '0' | '1'): boolean => {
  const binding = xattr();
  if (binding === null || ltfsProduct(root) === undefined) return false;
  try {
    binding.setAttributeSync(file, ltfsAttributeName(`vendor.IBM.${flag}`), value);
    return true;
  } catch {
    return false;
  }
};
