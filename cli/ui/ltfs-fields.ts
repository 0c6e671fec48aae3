import { LTFS_HEALTH_COUNTERS, type LtfsFacts } from '../../infrastructure/tape/ltfs-attributes';
import { formatBytes, formatPercent } from './format';
import type { Style } from './style';

const HEALTH_LABELS: Readonly<Record<keyof LtfsFacts['health'], string>> = {
  mediaLoads: 'loads',
  mediaRecoveredWriteErrors: 'recovered write errors',
  mediaPermanentWriteErrors: 'permanent write errors',
  mediaRecoveredReadErrors: 'recovered read errors',
  mediaPermanentReadErrors: 'permanent read errors',
  mediaBeginningMediumPasses: 'passes (beginning)',
  mediaMiddleMediumPasses: 'passes (middle)',
  mediaEfficiency: 'efficiency',
  mediaMBWritten: 'MB written',
  mediaMBRead: 'MB read',
};

const partition = (p: { readonly totalBytes: number; readonly freeBytes: number }): string =>
  `${formatBytes(p.freeBytes)} free of ${formatBytes(p.totalBytes)} (${formatPercent(p.totalBytes - p.freeBytes, p.totalBytes)} used)`;

/** The `tape show` lines of an LTFS mount: only what the mount reported. */
export const ltfsFields = (f: LtfsFacts, s: Style): [string, string][] => {
  const fields: [string, string][] = [['LTFS', f.softwareProduct]];
  const add = (name: string, value: string | number | undefined) => {
    if (value !== undefined) fields.push([name, String(value)]);
  };
  add('LTFS volume', f.volumeUuid);
  add('volume name', f.volumeName);
  add('cartridge barcode', f.barcode);
  add('index generation', f.indexGeneration === undefined ? undefined : `${f.indexGeneration}${f.indexTime === undefined ? '' : `, written ${f.indexTime}`}`);
  add('index location', f.indexLocation);
  add('block size', f.blockSize === undefined ? undefined : formatBytes(f.blockSize));
  add('compression', f.compression);
  add('media encrypted', f.encrypted);
  add('data partition', f.dataPartition === undefined ? undefined : partition(f.dataPartition));
  add('index partition', f.indexPartition === undefined ? undefined : partition(f.indexPartition));
  for (const key of LTFS_HEALTH_COUNTERS) {
    const value = f.health[key];
    if (value === undefined) continue;
    const warn = (key === 'mediaPermanentWriteErrors' || key === 'mediaPermanentReadErrors') && value > 0;
    fields.push([HEALTH_LABELS[key], warn ? s.yellow(String(value)) : String(value)]);
  }
  if (f.storageAlert !== undefined && !/^(0x)?0+$/.test(f.storageAlert)) fields.push(['storage alert', s.yellow(f.storageAlert)]);
  return fields;
};
