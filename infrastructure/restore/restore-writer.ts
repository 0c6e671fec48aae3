import * as fs from 'node:fs';
import * as path from 'node:path';
import * as E from 'fp-ts/Either';
import { restoreComponents } from '../../domain/restore-path';
import { errnoCode, errorMessage, isErrno } from '../errno';
import { segmentPath } from '../tape/layout';
import { copyRangeHashed, quiet } from './copy-pipeline';
import { createExclusive } from './create-exclusive';
import { FileWriters, type WriteFile } from './file-writers';
import { planWindows, type WindowRead } from './read-windows';
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
/** Windows in shared memory at once: one being read while the others' files are written. */
const SLOTS = 4;
const HEX_SHA256 = /^[0-9a-f]{64}$/;

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
  /** The target with a trailing separator: every restored path starts with it. */
  private readonly base: string;
  /** SLOTS windows of shared memory (one buffer, so a decrypting thread keeps its memory). */
  private memory: SharedArrayBuffer | undefined;
  private readonly freeSlots = Array.from({ length: SLOTS }, (_, i) => i);
  /** Windows whose files the writer threads are writing, oldest first. */
  private readonly writing: Promise<void>[] = [];

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
    this.base = target.endsWith(path.sep) ? target : target + path.sep;
  }

  /**
   * `finishDirectories` false leaves folder modes and times for a later call: a restore
   * from several tapes writes into the same folders tape after tape.
   */
  async restore(source: RestoreSource, onProgress: (files: number, bytes: number) => void, finishDirectories = true): Promise<RestoreOutcome> {
    try {
      for (const dir of source.ofKind('dir', 'path')) this.restoreDir(dir);
      await this.restoreFiles(source.ofKind('file', 'tape'), onProgress);
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
    const full = this.under(components.right);
    if (!full.startsWith(this.target + path.sep)) {
      this.problems.push({ path: entry.path, kind: 'refused', reason: 'resolves outside the restore target' });
      return undefined;
    }
    return this.ensureParents(full, entry.path) ? full : undefined;
  }

  /** Checked components (no '', '.', '..') under the target: joined as they are, nothing to normalise. */
  private under(components: readonly string[]): string {
    return `${this.base}${components.join(path.sep)}`;
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
    const full = this.under(components.right);
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
   * read with one positioned read into a slot of shared memory, and their files are
   * queued on the writer threads; the next window is read meanwhile (never two reads at
   * once), and up to SLOTS windows are in memory at once. A large file streams on its own (after the queued
   * windows are written).
   */
  private async restoreFiles(files: Iterable<RestoreEntry>, onProgress: (files: number, bytes: number) => void): Promise<void> {
    let ahead: { window: WindowRead<RestoreEntry>; read: Promise<WindowData> } | undefined;
    try {
      for (const item of planWindows(files, WINDOW)) {
        if (item.kind === 'large') {
          if (ahead !== undefined) await this.queueWindow(ahead.window, await ahead.read, onProgress);
          ahead = undefined;
          await this.drain();
          await this.restoreLarge(item.entry);
          onProgress(this.restored.files, this.restored.bytes);
          continue;
        }
        // The previous window's read ends before this one starts: one read of the tape in
        // flight, front to back (its files are written while this one reads).
        const previous = ahead === undefined ? undefined : { window: ahead.window, data: await ahead.read };
        const read = quiet(this.startRead(item, await this.slot()));
        if (previous !== undefined) await this.queueWindow(previous.window, previous.data, onProgress);
        ahead = { window: item, read };
      }
      if (ahead !== undefined) await this.queueWindow(ahead.window, await ahead.read, onProgress);
      ahead = undefined;
      await this.drain();
    } finally {
      if (ahead !== undefined) await Promise.allSettled([ahead.read]);
      await Promise.allSettled(this.writing.splice(0));
    }
  }

  /** A free slot of shared memory, once the oldest queued window is written if none is. */
  private async slot(): Promise<number> {
    for (;;) {
      const free = this.freeSlots.pop();
      if (free !== undefined) return free;
      const oldest = this.writing.shift();
      if (oldest === undefined) throw new Error('restore: no window slot is free and none is being written');
      await oldest;
    }
  }

  private async drain(): Promise<void> {
    for (let w = this.writing.shift(); w !== undefined; w = this.writing.shift()) await w;
  }

  private async startRead(item: WindowRead<RestoreEntry>, slot: number): Promise<WindowData> {
    const first = item.entries[0]!;
    const source = this.segment(segmentPath(this.mountRoot, item.job, item.segment), first);
    if (!isSource(source)) return { slot, data: source };
    this.memory ??= new SharedArrayBuffer(SLOTS * WINDOW);
    // Shared, so the writer threads read the files' bytes where they are.
    const bytes = Buffer.from(this.memory, slot * WINDOW, item.end - item.start);
    try {
      const got = await source.read(bytes, 0, bytes.length, item.start);
      return { slot, data: bytes.subarray(0, got) };
    } catch {
      // A damaged chunk, or a read error (a bad block: EIO) somewhere in the window: each
      // file is then read alone, so only the files the damage lies in are lost, not the
      // whole window (the fault campaign found a single EIO failing every file around it).
      return { slot, data: 'damaged' };
    }
  }

  /**
   * The files of one window, queued on the writer threads straight from its slot; the
   * slot is free again once they are written (or at once if nothing is queued).
   */
  private async queueWindow(window: WindowRead<RestoreEntry>, { slot, data }: WindowData, onProgress: (files: number, bytes: number) => void): Promise<void> {
    if (data === 'damaged') {
      this.freeSlots.push(slot);
      for (const entry of window.entries) await this.restoreLarge(entry);
      onProgress(this.restored.files, this.restored.bytes);
      return;
    }
    const files: WriteFile[] = [];
    const byIndex: RestoreEntry[] = [];
    for (const entry of window.entries) {
      const full = this.place(entry);
      if (full === undefined) continue;
      if (!Buffer.isBuffer(data)) {
        this.problems.push({ ...data, path: entry.path });
        continue;
      }
      const at = (entry.offset ?? 0) - window.start;
      if (at + entry.size > data.length) {
        this.problems.push({ path: entry.path, kind: 'missing', reason: `segment ${entry.segment} ends before offset ${(entry.offset ?? 0) + entry.size} (truncated)` });
        continue;
      }
      if (entry.sha256 === null || !HEX_SHA256.test(entry.sha256)) {
        this.problems.push(this.corrupted(entry));
        continue;
      }
      files.push({ path: full, mode: entry.mode, mtimeSeconds: seconds(entry.mtime_ns), start: data.byteOffset + at, length: entry.size, sha256: entry.sha256 });
      byIndex.push(entry);
    }
    if (files.length === 0) {
      this.freeSlots.push(slot);
      onProgress(this.restored.files, this.restored.bytes);
      return;
    }
    const written = this.writers().write(files, this.overwrite).then((misses) => {
      this.freeSlots.push(slot);
      this.restored.files += files.length - misses.length;
      this.restored.bytes += files.reduce((sum, f) => sum + f.length, 0);
      for (const [index, outcome, reason] of misses) {
        const entry = byIndex[index]!;
        this.restored.bytes -= entry.size;
        this.problems.push(outcome === 'corrupted' ? this.corrupted(entry) : { path: entry.path, kind: outcome, reason });
      }
      onProgress(this.restored.files, this.restored.bytes);
    });
    this.writing.push(quiet(written));
  }

  private writers(): FileWriters {
    this.memory ??= new SharedArrayBuffer(SLOTS * WINDOW);
    this.fileWriters ??= new FileWriters(WRITER_THREADS, this.memory, this.keys?.contentKey);
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

/** A window read into its slot: the bytes, why its segment could not be opened, or 'damaged' (read its files alone). */
interface WindowData {
  readonly slot: number;
  readonly data: Buffer | RestoreProblem | 'damaged';
}

