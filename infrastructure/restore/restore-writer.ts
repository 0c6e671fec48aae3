import * as fs from 'node:fs';
import * as path from 'node:path';
import * as E from 'fp-ts/Either';
import { restoreComponents } from '../../domain/restore-path';
import { errnoCode, errorMessage, isErrno } from '../errno';
import { segmentPath } from '../tape/layout';
import { copyRangeHashed } from './copy-pipeline';
import { createExclusive } from './create-exclusive';
import { FileWriters, type WriteJob } from './file-writers';
import { planWindows, type PlannedRead, type WindowRead } from './read-windows';
import { PieceLedger, copyPiece } from './pieces';
import { PlainSegment, SealedSegment, SealedSegmentDamaged, type SegmentKeys, type SegmentSource } from './segment-source';

/** One entry to restore, as the selection hands it over (tape order for files). */
export interface RestoreEntry {
  readonly path: string;
  readonly kind: 'file' | 'dir' | 'symlink';
  readonly size: number;
  readonly mtime_ns: string;
  readonly mode: number;
  readonly job: string;
  readonly segment: number | null;
  readonly offset: number | null;
  readonly sha256: string | null;
  readonly target: string | null;
}

/** A piece of a file split across tapes: `size` bytes of the segment go to `fileOffset` of a file of `fileSize` bytes. */
export interface RestorePiece extends RestoreEntry {
  readonly fileOffset: number;
  readonly fileSize: number;
}

export interface RestoreSource {
  ofKind(kind: 'file' | 'dir' | 'symlink', order: 'tape' | 'path' | 'path-desc'): Iterable<RestoreEntry>;
  /** Pieces of split files (none unless a job spans tapes), in tape order. */
  pieces(): Iterable<RestorePiece>;
}

export type RestoreProblemKind = 'skipped' | 'refused' | 'corrupted' | 'missing' | 'failed';

export interface RestoreProblem {
  readonly path: string;
  /** The path as catalogued, when it differs from `path` (a sealed name). */
  readonly stored?: string;
  readonly kind: RestoreProblemKind;
  readonly reason: string;
}

export interface RestoreOutcome {
  readonly restored: { files: number; bytes: number; dirs: number; symlinks: number };
  readonly problems: RestoreProblem[];
  readonly bytesReadFromTape: number;
}

/** Reads coalesce neighbouring selected files up to this span; a lone file reads only itself. */
const WINDOW = 8 * 1024 * 1024;
const CHUNK = 4 * 1024 * 1024;
/** Threads creating small files: both cores do file-system work while this one reads ahead. */
const WRITER_THREADS = 2;

/**
 * Node sets times from a double of seconds, which libuv truncates to whole microseconds:
 * aim at the middle of the microsecond so the truncation lands on it (ns digits are lost).
 */
const seconds = (ns: string): number => (Number(BigInt(ns) / 1000n) + 0.5) / 1e6;

/**
 * Writes a selection under a target folder: folders first, files in tape order (read by
 * positioned reads at their recorded offsets, hash-checked before they count), symlinks
 * last (so nothing is ever written through a link restored from the tape), and folder
 * times last of all, deepest first. Nothing is written outside the target.
 */
export class RestoreWriter {
  private readonly verifiedDirs = new Set<string>();
  private readonly problems: RestoreProblem[] = [];
  private readonly restored = { files: 0, bytes: 0, dirs: 0, symlinks: 0 };
  /** Bytes taken from the tape by segments already closed. */
  private bytesRead = 0;
  private readonly segments = new Map<string, SegmentSource>();
  private fileWriters: FileWriters | undefined;

  constructor(
    private readonly mountRoot: string,
    private readonly target: string,
    private readonly strip: number,
    private readonly overwrite: boolean,
    /** An encrypted tape's keys: segments are decrypted chunk by chunk, hashes are HMACs. */
    private readonly keys?: SegmentKeys,
    /** Files rebuilt from pieces, shared by the passes (tapes) of one restore. */
    private readonly ledger: PieceLedger = new PieceLedger(),
  ) {
    this.verifiedDirs.add(target);
  }

  /**
   * `finishDirectories` false leaves folder modes and times for a later call: a restore
   * from several tapes writes into the same folders tape after tape.
   */
  async restore(source: RestoreSource, onProgress: (files: number, bytes: number) => void, finishDirectories = true): Promise<RestoreOutcome> {
    try {
      for (const dir of source.ofKind('dir', 'path')) this.restoreDir(dir);
      // The next batch is taken from the selection while the writer threads write this one.
      const batch: RestoreEntry[] = [];
      let writing: Promise<void> = Promise.resolve();
      for (const file of source.ofKind('file', 'tape')) {
        batch.push(file);
        if (batch.length >= 4096) {
          const next = batch.splice(0);
          await writing;
          writing = this.restoreFiles(next, onProgress);
        }
      }
      await writing;
      await this.restoreFiles(batch, onProgress);
      for (const piece of source.pieces()) await this.restorePiece(piece);
      for (const link of source.ofKind('symlink', 'path')) this.restoreSymlink(link);
      if (finishDirectories) this.finishDirectories(source);
    } finally {
      this.closeSegments();
      await this.fileWriters?.close();
    }
    return { restored: this.restored, problems: this.problems, bytesReadFromTape: this.bytesRead };
  }

  /** Folder modes and times, deepest first, once nothing more is written into them; returns the problems this met. */
  finishDirectories(source: RestoreSource): RestoreProblem[] {
    const before = this.problems.length;
    for (const dir of source.ofKind('dir', 'path-desc')) this.finishDir(dir);
    return this.problems.slice(before);
  }

  /** The target path of an entry, with its parent folders made (and checked to be real folders). */
  private place(entry: RestoreEntry): string | undefined {
    const components = restoreComponents(entry.path, this.strip);
    if (E.isLeft(components)) {
      this.problems.push({ path: entry.path, kind: 'refused', reason: `unsafe path from tape: ${components.left}` });
      return undefined;
    }
    if (components.right === null) return undefined;
    const full = path.join(this.target, ...components.right);
    if (!full.startsWith(this.target + path.sep)) {
      this.problems.push({ path: entry.path, kind: 'refused', reason: 'resolves outside the restore target' });
      return undefined;
    }
    return this.ensureParents(full, entry.path) ? full : undefined;
  }

  private ensureParents(full: string, original: string): boolean {
    const parent = path.dirname(full);
    if (this.verifiedDirs.has(parent)) return true;
    if (!this.ensureParents(parent, original)) return false;
    try {
      const stat = fs.lstatSync(parent);
      if (!stat.isDirectory()) {
        this.problems.push({ path: original, kind: 'refused', reason: `${parent} is ${stat.isSymbolicLink() ? 'a symlink' : 'not a folder'}: nothing is written through it` });
        return false;
      }
    } catch (error) {
      if (!isErrno(error, 'ENOENT')) return this.failed(original, error);
      try {
        fs.mkdirSync(parent);
      } catch (mkdirError) {
        return this.failed(original, mkdirError);
      }
    }
    this.verifiedDirs.add(parent);
    return true;
  }

  private failed(original: string, error: unknown): false {
    this.problems.push({ path: original, kind: 'failed', reason: `${errnoCode(error)}: ${errorMessage(error)}` });
    return false;
  }

  private restoreDir(entry: RestoreEntry): void {
    const full = this.place(entry);
    if (full === undefined) return;
    try {
      fs.mkdirSync(full);
      this.restored.dirs++;
    } catch (error) {
      if (!isErrno(error, 'EEXIST')) {
        this.failed(entry.path, error);
        return;
      }
      if (!fs.lstatSync(full).isDirectory()) {
        this.problems.push({ path: entry.path, kind: 'skipped', reason: 'something that is not a folder is already there' });
        return;
      }
    }
    this.verifiedDirs.add(full);
  }

  /** Folder modes and times go last: writing into a folder changes its time. */
  private finishDir(entry: RestoreEntry): void {
    const components = restoreComponents(entry.path, this.strip);
    if (E.isLeft(components) || components.right === null) return;
    const full = path.join(this.target, ...components.right);
    if (!this.verifiedDirs.has(full)) return;
    try {
      fs.chmodSync(full, entry.mode);
      const t = seconds(entry.mtime_ns);
      fs.utimesSync(full, t, t);
    } catch (error) {
      this.failed(entry.path, error);
    }
  }

  private restoreSymlink(entry: RestoreEntry): void {
    const full = this.place(entry);
    if (full === undefined || entry.target === null) return;
    try {
      if (this.overwrite) fs.rmSync(full, { force: true });
      fs.symlinkSync(entry.target, full);
      const t = seconds(entry.mtime_ns);
      fs.lutimesSync(full, t, t);
      this.restored.symlinks++;
    } catch (error) {
      if (isErrno(error, 'EEXIST')) this.problems.push({ path: entry.path, kind: 'skipped', reason: 'already there' });
      else this.failed(entry.path, error);
    }
  }

  /**
   * Files in tape order, in read windows: neighbouring selected files of a segment are
   * read with one positioned read, and the next window is read while this one's files
   * are written. A large file streams on its own.
   */
  private async restoreFiles(batch: readonly RestoreEntry[], onProgress: (files: number, bytes: number) => void): Promise<void> {
    const plan = planWindows(batch, WINDOW);
    let next = this.startRead(plan[0]);
    for (let i = 0; i < plan.length; i++) {
      const item = plan[i]!;
      const data = await next;
      next = this.startRead(plan[i + 1]);
      if (item.kind === 'large') await this.restoreLarge(item.entry);
      else if (data === 'damaged') {
        for (const entry of item.entries) await this.restoreLarge(entry);
      } else await this.restoreWindow(item, data);
      onProgress(this.restored.files, this.restored.bytes);
    }
  }

  private async startRead(item: PlannedRead<RestoreEntry> | undefined): Promise<Buffer | RestoreProblem | 'damaged' | undefined> {
    if (item === undefined || item.kind === 'large') return undefined;
    const first = item.entries[0]!;
    const source = this.segment(segmentPath(this.mountRoot, item.job, item.segment), first);
    if (!isSource(source)) return source;
    // Shared, so the writer threads read the files' bytes where they are.
    const bytes = Buffer.from(new SharedArrayBuffer(item.end - item.start));
    let got: number;
    try {
      got = await source.read(bytes, 0, bytes.length, item.start);
    } catch {
      // A damaged chunk, or a read error (a bad block: EIO) somewhere in the window: each
      // file is then read alone, so only the files the damage lies in are lost, not the
      // whole window (the fault campaign found a single EIO failing every file around it).
      return 'damaged';
    }
    return bytes.subarray(0, got);
  }

  /** The files of one window, written by the writer threads straight from the shared window buffer. */
  private async restoreWindow(window: WindowRead<RestoreEntry>, data: Buffer | RestoreProblem | undefined): Promise<void> {
    const jobs: WriteJob[] = [];
    const byId: RestoreEntry[] = [];
    for (const entry of window.entries) {
      const full = this.place(entry);
      if (full === undefined) continue;
      if (data === undefined || !Buffer.isBuffer(data)) {
        this.problems.push(data === undefined ? this.unlocated(entry) : { ...data, path: entry.path });
        continue;
      }
      const at = (entry.offset ?? 0) - window.start;
      if (at + entry.size > data.length) {
        this.problems.push({ path: entry.path, kind: 'missing', reason: `segment ${entry.segment} ends before offset ${(entry.offset ?? 0) + entry.size} (truncated)` });
        continue;
      }
      jobs.push([byId.length, full, entry.mode, seconds(entry.mtime_ns), data.byteOffset + at, entry.size, entry.sha256 ?? '', this.overwrite]);
      byId.push(entry);
    }
    if (jobs.length === 0 || data === undefined || !Buffer.isBuffer(data) || !(data.buffer instanceof SharedArrayBuffer)) return;
    for (const [id, outcome, reason] of await this.writers().write(data.buffer, jobs)) {
      const entry = byId[id]!;
      if (outcome === 'ok') {
        this.restored.files++;
        this.restored.bytes += entry.size;
      } else if (outcome === 'corrupted') this.problems.push(this.corrupted(entry));
      else this.problems.push({ path: entry.path, kind: outcome, reason });
    }
  }

  private writers(): FileWriters {
    this.fileWriters ??= new FileWriters(WRITER_THREADS, this.keys?.contentKey);
    return this.fileWriters;
  }

  private async restoreLarge(entry: RestoreEntry): Promise<void> {
    const full = this.place(entry);
    if (full === undefined) return;
    if (entry.segment === null || entry.offset === null || entry.sha256 === null) {
      this.problems.push(this.unlocated(entry));
      return;
    }
    const out = this.openTarget(full, entry.path);
    if (out === undefined) return;
    const written = await this.copyLarge(segmentPath(this.mountRoot, entry.job, entry.segment), entry, out, full);
    this.finishFile(full, entry, out, written);
  }

  /**
   * A piece of a split file: the first piece seen creates the target (exclusively, as any
   * file), the others write into the file this restore created; mode and time once it is
   * whole. A bad piece removes the file: it is reported, never left half right.
   */
  private async restorePiece(piece: RestorePiece): Promise<void> {
    const full = this.place(piece);
    if (full === undefined) return;
    const state = this.ledger.state(full);
    if (state === 'skipped' || state === 'failed') return;
    if (piece.segment === null || piece.offset === null || piece.sha256 === null) return this.pieceFailed(full, this.unlocated(piece));
    let fd: number;
    if (state === 'new') {
      const created = this.openTarget(full, piece.path);
      if (created === undefined) return this.ledger.skipped(full, piece.fileSize, piece.path);
      this.ledger.started(full, piece.fileSize, piece.path);
      fd = created;
    } else {
      try {
        fd = fs.openSync(full, fs.constants.O_WRONLY | fs.constants.O_NOFOLLOW);
      } catch (error) {
        this.ledger.failed(full);
        this.failed(piece.path, error);
        return;
      }
    }
    const problem = await this.copyPieceChecked(piece, fd);
    if (problem !== undefined) {
      fs.closeSync(fd);
      return this.pieceFailed(full, problem);
    }
    const whole = this.ledger.wrote(full, piece.size);
    this.finishFile(full, { ...piece, size: piece.fileSize }, fd, undefined, whole);
  }

  private async copyPieceChecked(piece: RestorePiece, fd: number): Promise<RestoreProblem | undefined> {
    const source = this.segment(segmentPath(this.mountRoot, piece.job, piece.segment ?? 0), piece);
    if (!isSource(source)) return source;
    try {
      const copied = await copyPiece(source, piece.offset ?? 0, piece.size, fd, piece.fileOffset, this.keys?.contentKey);
      if (copied._tag === 'short') return { path: piece.path, kind: 'missing', reason: `segment ${piece.segment} ends before offset ${(piece.offset ?? 0) + piece.size} (truncated)` };
      return copied.digest === piece.sha256 ? undefined : this.corrupted(piece);
    } catch (error) {
      if (error instanceof SealedSegmentDamaged) return { path: piece.path, kind: 'corrupted', reason: `segment ${piece.segment} ${error.message}: nothing of it was released` };
      return { path: piece.path, kind: 'failed', reason: `${errnoCode(error)}: ${errorMessage(error)}` };
    }
  }

  private pieceFailed(full: string, problem: RestoreProblem): void {
    this.ledger.failed(full);
    fs.rmSync(full, { force: true });
    this.problems.push(problem);
  }

  private unlocated(entry: RestoreEntry): RestoreProblem {
    return { path: entry.path, kind: 'missing', reason: 'the catalog has no location for its data' };
  }

  /** The target file, created exclusively (see createExclusive); an existing one is reported as skipped. */
  private openTarget(full: string, original: string): number | undefined {
    try {
      const fd = createExclusive(full, this.overwrite);
      if (fd !== 'exists') return fd;
      this.problems.push({ path: original, kind: 'skipped', reason: 'already there' });
    } catch (error) {
      this.failed(original, error);
    }
    return undefined;
  }

  private finishFile(full: string, entry: RestoreEntry, fd: number, written: RestoreProblem | undefined, whole = true): void {
    try {
      if (!whole) {
        // A piece of a file whose other pieces are still to come: its time is set with the last.
        fs.closeSync(fd);
        return;
      }
      if (written === undefined) {
        fs.fchmodSync(fd, entry.mode);
        const t = seconds(entry.mtime_ns);
        fs.futimesSync(fd, t, t);
      }
      fs.closeSync(fd);
      if (written !== undefined) {
        fs.rmSync(full, { force: true });
        this.problems.push(written);
        return;
      }
      this.restored.files++;
      this.restored.bytes += entry.size;
    } catch (error) {
      this.failed(entry.path, error);
    }
  }

  /** A large file: positioned reads running ahead of hashing and writing, streamed to the target. */
  private async copyLarge(key: string, entry: RestoreEntry, out: number, outPath: string): Promise<RestoreProblem | undefined> {
    const source = this.segment(key, entry);
    if (!isSource(source)) return source;
    try {
      const copied = await copyRangeHashed(source, entry.offset ?? 0, entry.size, out, outPath, CHUNK, 3, this.keys?.contentKey);
      if (copied._tag === 'short') {
        return { path: entry.path, kind: 'missing', reason: `segment ${entry.segment} ends before offset ${(entry.offset ?? 0) + entry.size} (truncated)` };
      }
      return copied.sha256 === entry.sha256 ? undefined : this.corrupted(entry);
    } catch (error) {
      if (error instanceof SealedSegmentDamaged) {
        return { path: entry.path, kind: 'corrupted', reason: `segment ${entry.segment} ${error.message}: nothing of it was released` };
      }
      return { path: entry.path, kind: 'failed', reason: `${errnoCode(error)}: ${errorMessage(error)}` };
    }
  }

  private corrupted(entry: RestoreEntry): RestoreProblem {
    return {
      path: entry.path,
      kind: 'corrupted',
      reason: `${this.keys === undefined ? 'SHA-256' : 'HMAC-SHA256'} mismatch: the data at segment ${entry.segment} offset ${entry.offset} is not what was archived`,
    };
  }

  /** Segments stay open while reads may be in flight on them; the oldest close past a few. */
  private segment(key: string, entry: RestoreEntry): SegmentSource | RestoreProblem {
    const open = this.segments.get(key);
    if (open !== undefined) return open;
    try {
      const fd = fs.openSync(key, 'r');
      const source = this.keys === undefined ? new PlainSegment(fd) : new SealedSegment(fd, this.keys);
      this.segments.set(key, source);
      if (this.segments.size > 8) {
        const [oldestKey, oldest] = this.segments.entries().next().value ?? [];
        if (oldestKey !== undefined && oldest !== undefined) {
          this.segments.delete(oldestKey);
          this.closeSource(oldest);
        }
      }
      return source;
    } catch (error) {
      return { path: entry.path, kind: 'missing', reason: `segment ${entry.segment} of job ${entry.job} cannot be opened (${errnoCode(error)})` };
    }
  }

  private closeSource(source: SegmentSource): void {
    this.bytesRead += source.bytesRead;
    source.close();
  }

  private closeSegments(): void {
    for (const source of this.segments.values()) this.closeSource(source);
    this.segments.clear();
  }

}

const isSource = (value: SegmentSource | RestoreProblem): value is SegmentSource => 'read' in value;
