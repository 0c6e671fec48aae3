import * as E from 'fp-ts/Either';
import * as t from 'io-ts';
import * as fs from 'node:fs';
import * as path from 'node:path';

/** The file in the data folder that remembers each file system's probe. */
export const IO_PATHS_FILE = 'io-paths.json';
/** A probe is trusted this long; then the next job measures again (a disk, its load or the kernel may have changed). */
export const PROBE_VALID_MS = 24 * 60 * 60 * 1000;

const Figures = t.intersection([t.type({ bufferedWrite: t.number }), t.partial({ directWrite: t.number, bufferedRead: t.number, directRead: t.number })]);

/** One file system's choice: `filesystem` is its statfs type (hex) and device number, "ef53:2049". */
export const IoPathEntry = t.intersection([
  t.type({ filesystem: t.string, measuredAt: t.number, writeDirect: t.boolean, readDirect: t.boolean }),
  t.partial({ folder: t.string, figures: Figures }),
]);
export type IoPathEntry = t.TypeOf<typeof IoPathEntry>;

const CacheFile = t.type({ filesystems: t.array(IoPathEntry) });

/** The entries in `dataDir`'s file; none when it is missing or unreadable (a probe then writes it again). */
export const readIoPaths = (dataDir: string): IoPathEntry[] => {
  try {
    const decoded = CacheFile.decode(JSON.parse(fs.readFileSync(path.join(dataDir, IO_PATHS_FILE), 'utf8')));
    return E.isRight(decoded) ? decoded.right.filesystems : [];
  } catch {
    return [];
  }
};

/** The fresh entry for `filesystem`, if any. */
export const cachedIoPath = (entries: readonly IoPathEntry[], filesystem: string, now: number): IoPathEntry | undefined =>
  entries.find((e) => e.filesystem === filesystem && now - e.measuredAt >= 0 && now - e.measuredAt < PROBE_VALID_MS);

/**
 * Records `entry` (replacing its file system's older one, dropping stale ones), through a
 * temporary file and a rename so that a reader never sees half a file. Best effort: the
 * cache only saves the next job a probe.
 */
export const rememberIoPath = (dataDir: string, entry: IoPathEntry, now: number): void => {
  const kept = readIoPaths(dataDir).filter((e) => e.filesystem !== entry.filesystem && now - e.measuredAt < PROBE_VALID_MS);
  const file = path.join(dataDir, IO_PATHS_FILE);
  const temporary = `${file}.${process.pid}.tmp`;
  try {
    fs.mkdirSync(dataDir, { recursive: true });
    fs.writeFileSync(temporary, `${JSON.stringify({ filesystems: [...kept, entry] }, null, 2)}\n`);
    fs.renameSync(temporary, file);
  } catch {
    fs.rmSync(temporary, { force: true });
  }
};
