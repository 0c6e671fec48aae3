import * as t from 'io-ts';
import * as fs from 'node:fs';
import { cachedIoPath, readIoPaths, rememberIoPath } from './io-path-cache';
import { probeFolder, type ProbeFigures } from './io-probe';

/** LTO_IO_PATH: `auto` (probe, the default), or one way for every file system. */
export type IoPathSetting = 'auto' | 'direct' | 'buffered';
export const IO_PATH_VARIABLE = 'LTO_IO_PATH';

/** How large reads and writes go to one file system (direct: O_DIRECT where it is taken; else the page cache with read-ahead hints). */
export interface IoPath {
  readonly writeDirect: boolean;
  readonly readDirect: boolean;
  /** probe: measured now; cached: measured by an earlier job; rule: not measured (see ioPathFor); setting: LTO_IO_PATH. */
  readonly how: 'probe' | 'cached' | 'rule' | 'setting';
  readonly figures?: ProbeFigures;
}

/**
 * Direct I/O stays unless the page cache is clearly faster: direct costs no page-cache
 * CPU (about 1 CPU-s per GiB on the bench machine) and does not evict the machine's
 * working set, which a probe of a few MiB does not see.
 */
export const BUFFERED_MARGIN = 1.2;

export const decide = (f: ProbeFigures): Pick<IoPath, 'writeDirect' | 'readDirect'> => ({
  writeDirect: f.directWrite !== undefined && f.directWrite * BUFFERED_MARGIN >= f.bufferedWrite,
  readDirect: f.directRead !== undefined && (f.bufferedRead === undefined || f.directRead * BUFFERED_MARGIN >= f.bufferedRead),
});

/** statfs f_type of FUSE (LTFS mounts): not probed, no read-ahead hints, see ioPathFor. */
export const FUSE_MAGIC = 0x65735546;

/**
 * Whether read-ahead hints (WILLNEED) may be given for files on a file system of this
 * statfs type: not on FUSE, where an LTFS tape would read the hinted range beside the
 * reads in order and reposition between them (a restore of 4 x 512 MiB on the emulated
 * drive went from 29 to 2,690 simulated seconds of positioning with them).
 */
export const readAheadOn = (type: number): boolean => type !== FUSE_MAGIC;

/** Whether the file system holding `file` takes read-ahead hints (true when it cannot be told). */
export const readAheadFor = (file: string): boolean => {
  try {
    return readAheadOn(fs.statfsSync(file).type);
  } catch {
    return false;
  }
};

/** A file system's key: its statfs type and the folder's device ("ef53:2049"). */
export const filesystemOf = (folder: string): { readonly key: string; readonly type: number } => {
  const type = fs.statfsSync(folder).type;
  return { key: `${type.toString(16)}:${fs.statSync(folder).dev}`, type };
};

export const parseIoPathSetting = (value: string | undefined): IoPathSetting | undefined => {
  if (value === undefined || value === '' || value === 'auto') return 'auto';
  return value === 'direct' || value === 'buffered' ? value : undefined;
};

interface Configuration {
  /** Where probes are remembered; none: nothing is probed (today's rule: direct where taken). */
  readonly dataDir: string | undefined;
  readonly setting: IoPathSetting;
}

let configuration: Configuration = { dataDir: undefined, setting: 'auto' };
/** This process's choices by file system key (a job with many segments probes once). */
const chosen = new Map<string, IoPath>();

/** Set once by the composition root: probes are made and remembered in `dataDir`. */
export const configureIoPaths = (dataDir: string | undefined, setting: IoPathSetting): void => {
  configuration = { dataDir, setting };
  chosen.clear();
};

const DIRECT_WHERE_TAKEN: IoPath = { writeDirect: true, readDirect: true, how: 'rule' };

/**
 * How large reads and writes should go to the file system of `folder` (an existing
 * folder). The rules: LTO_IO_PATH=direct|buffered decides for all; without a data folder
 * configured (a library use, the unit tests) or on FUSE (an LTFS tape: a probe's bytes
 * would take tape space that is never given back; there direct and buffered writes ran
 * at the same speed, 372 and 381 ms per 64 MiB on the emulated drive), direct where
 * taken; else a probe, remembered in the data folder for PROBE_VALID_MS.
 */
export const ioPathFor = (folder: string, now = Date.now()): IoPath => {
  const { dataDir, setting } = configuration;
  if (setting !== 'auto') return { writeDirect: setting === 'direct', readDirect: setting === 'direct', how: 'setting' };
  if (dataDir === undefined) return DIRECT_WHERE_TAKEN;
  let filesystem: { readonly key: string; readonly type: number };
  try {
    filesystem = filesystemOf(folder);
  } catch {
    return DIRECT_WHERE_TAKEN;
  }
  if (filesystem.type === FUSE_MAGIC) return DIRECT_WHERE_TAKEN;
  const known = chosen.get(filesystem.key);
  if (known !== undefined) return known;
  const cached = cachedIoPath(readIoPaths(dataDir), filesystem.key, now);
  const path: IoPath = cached === undefined ? probed(dataDir, folder, filesystem.key, now) : { writeDirect: cached.writeDirect, readDirect: cached.readDirect, how: 'cached' };
  chosen.set(filesystem.key, path);
  return path;
};

const probed = (dataDir: string, folder: string, key: string, now: number): IoPath => {
  let figures: ProbeFigures;
  try {
    figures = probeFolder(folder);
  } catch {
    // A folder that takes no file: the job fails there with its own error; nothing to remember.
    return DIRECT_WHERE_TAKEN;
  }
  const choice = decide(figures);
  rememberIoPath(dataDir, { filesystem: key, measuredAt: now, folder, figures, ...choice }, now);
  return { ...choice, how: 'probe', figures };
};

/** What a thread reading source files is told: the read choices known by file system key, and LTO_IO_PATH. */
export const ReadPaths = t.type({ readDirect: t.record(t.string, t.boolean), setting: t.union([t.literal('auto'), t.literal('direct'), t.literal('buffered')]) });
export type ReadPaths = t.TypeOf<typeof ReadPaths>;

/**
 * Choices already known (cached or probed in this process) by file system key, for a
 * thread that reads source files: it looks up each file's file system (a file system
 * not listed reads direct where taken: sources are not written to, so not probed).
 */
export const knownReadPaths = (): ReadPaths => {
  const { dataDir, setting } = configuration;
  const readDirect: Record<string, boolean> = {};
  if (dataDir !== undefined) for (const e of readIoPaths(dataDir)) readDirect[e.filesystem] = e.readDirect;
  for (const [key, p] of chosen) readDirect[key] = p.readDirect;
  return { readDirect, setting };
};

/** Whether to read a source file on file system `key` direct (where taken), by what `paths` knows. */
export const readDirectFor = (paths: ReadPaths, key: string): boolean => (paths.setting === 'auto' ? (paths.readDirect[key] ?? true) : paths.setting === 'direct');
