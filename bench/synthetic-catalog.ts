/**
 * The synthetic catalog the search and web benchmarks query: archived files on 4 tapes,
 * applied through the real projections (the statements a backup's events run), without
 * writing a tape. Paths: the first `bigFolder` files in one folder (/home/me/Scans), the
 * rest in a year/day tree with mostly distinct names and 10 extensions.
 */
import type Database from 'better-sqlite3';
import type { StoredEvent } from '../domain/envelope';
import { PROJECTIONS } from '../projections/registry';
import { ProjectionRunner } from '../projections/runner';

export const TAPES = ['000001L8', '000002L8', '000003L8', '000004L8'];
const EXTENSIONS = ['dng', 'jpg', 'cr2', 'mov', 'pdf', 'docx', 'txt', 'wav', 'psd', 'xmp'];
const WORDS = ['holiday', 'invoice', 'family', 'project', 'draft', 'scan', 'export', 'raw', 'final', 'backup'];
export const uuid = (n: number): string => `01900000-0000-7000-8000-${n.toString(16).padStart(12, '0')}`;

export const entryPath = (n: number, bigFolder: number): string => {
  const ext = EXTENSIONS[n % EXTENSIONS.length]!;
  if (n < bigFolder) return `/home/me/Scans/scan-${String(n).padStart(6, '0')}.${ext}`;
  const year = 2010 + (n % 16);
  const day = `${String(1 + (n % 12)).padStart(2, '0')}-${String(1 + ((n >> 4) % 28)).padStart(2, '0')}`;
  const name = n % 3 === 0 ? `${WORDS[(n >> 3) % WORDS.length]}-${n}.${ext}` : `IMG_${n}.${ext}`;
  return `/home/me/Archive/${year}/${day}/${name}`;
};

/** Fills `db` (empty) with `files` archived files, one full backup per tape. */
export const buildSyntheticCatalog = (db: Database.Database, files: number, bigFolder = 0): void => {
  const runner = new ProjectionRunner(db, PROJECTIONS);
  let position = 0;
  const stored = (stream: string, type: string, data: unknown): StoredEvent => {
    position++;
    return { id: uuid(1_000_000_000 + position), stream, version: 1, type, schema: 1, at: '2026-11-26T10:00:00.000Z', data, position } as StoredEvent;
  };
  const perTape = Math.ceil(files / TAPES.length);
  db.transaction(() => {
    TAPES.forEach((tape, t) => {
      const job = uuid(t + 1);
      runner.apply([
        stored(`tape-${tape}`, 'TapeInitialised', { tape, generation: 'L8', capacityBytes: 12e12, description: '', volumeUuid: uuid(100 + t), format: 'lto-archive/1', encrypted: false, job }),
        stored(`job-${job}`, 'JobStarted', { job, tape, type: 'BACKUP', encrypted: false, mode: 'FULL', sources: ['/home/me'] }),
      ]);
      for (let from = t * perTape; from < Math.min(files, (t + 1) * perTape); from += 2000) {
        const entries = [];
        for (let n = from; n < Math.min(from + 2000, (t + 1) * perTape, files); n++) {
          entries.push({ path: entryPath(n, bigFolder), kind: 'file', size: 1000 + n, mtimeNs: '1700000000000000000', mode: 0o644, offset: 512, sha256: '0'.repeat(64) });
        }
        runner.apply([stored(`job-${job}`, 'FilesArchived', { job, segment: 1, entries })]);
      }
    });
  })();
};

export const median = (xs: readonly number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
