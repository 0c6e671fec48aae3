import * as fs from 'node:fs';
import { errnoCode, errorMessage, isErrno } from '../errno';
import { segmentPath } from '../tape/layout';
import { copyRangeHashed, quiet } from './copy-pipeline';
import { contentDiffers, hashRange, judge, kept, lookAt, type Expected, type Found } from './existing-file';
import { FileWriters, type WriteFile } from './file-writers';
import { planWindows, type WindowRead } from './read-windows';
import { PieceLedger, copyPiece } from './pieces';
import { createPart, installPart, partPath, removePart } from './part-file';
import { SealedSegmentDamaged, type SegmentKeys, type SegmentSource } from './segment-source';
import { osPath } from '../os-path';
import { nameBytes, nameText } from '../../domain/name-bytes';
import { SafeTarget } from './safe-target';
import { WindowSlots } from './window-slots';
import { OpenSegments, isSource } from './open-segments';
import { copySparse } from './sparse-copy';
import { exactTimes, splitNs } from '../meta/file-times';
import { applyMetadata, needsMetadata, restoreMetadata, type Created, type MetadataFields, type MetadataPolicy, type RestoreMetadata } from './entry-metadata';

/** One entry to restore, as the selection hands it over (tape order for files). */
export interface RestoreEntry extends MetadataFields {
  readonly path: string;
  readonly kind: 'file' | 'dir' | 'symlink';
  readonly size: number;
  readonly mtimeNs: string;
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
  /** The catalogued paths that hard links of the selection name as their first name. */
  linkTargets?(): Iterable<string>;
}

/**
 * 'skipped': already there and equal to the tape (kept); 'differs': already there and
 * not equal (kept, unless --overwrite); the others are failures.
 */
export type RestoreProblemKind = 'skipped' | 'differs' | 'refused' | 'corrupted' | 'missing' | 'failed';

/** Kinds that are not failures: the file on disk was kept, by choice. */
export const KEPT_KINDS: readonly RestoreProblemKind[] = ['skipped', 'differs'];

export interface RestoreProblem {
  readonly path: string;
  /** The path as catalogued, when it differs from `path` (a sealed name). */
  readonly stored?: string;
  readonly kind: RestoreProblemKind;
  readonly reason: string;
}

export interface RestoreWriterOptions {
  readonly strip: number;
  /** Replace files already there (with a verified copy only); else they are compared and kept. */
  readonly overwrite: boolean;
  /** A file already there is equal when its size and modification time are (it is not read). */
  readonly quick: boolean;
  /** Of the temporary names (part-file.ts): the as-of job's, so a re-run finds a crash's leftovers. */
  readonly tag: string;
  /** An encrypted tape's keys: segments are decrypted chunk by chunk, hashes are HMACs. */
  readonly keys?: SegmentKeys;
  /** Files rebuilt from pieces, shared by the passes (tapes) of one restore. */
  readonly ledger?: PieceLedger;
  /** Crash tests: reached before each chunk of a large file is read (application CrashPointName). */
  readonly crashPoint?: (name: 'restore-chunk') => void;
  /** Owners restored or not (default: not); extended attributes and exact times always are. */
  readonly metadata?: MetadataPolicy;
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

/** A file's size and time as the catalog has them, to compare with one already there. */
const expectedOf = (size: number, mtimeNs: string): Expected => ({ size, mtimeUs: BigInt(mtimeNs) / 1000n });

/**
 * Writes a selection under a target folder: folders first, files in tape order (read by
 * positioned reads at their recorded offsets, hash-checked before they count), symlinks
 * last (so nothing is ever written through a link restored from the tape), and folder
 * times last of all, deepest first. Nothing is written outside the target.
 *
 * Every file is written under a temporary name (part-file.ts) and renamed into place
 * only once it is whole, checked and has its mode and times: a crash or a bad copy on
 * tape never leaves a partial file under a final name, nor removes one already there.
 */
export class RestoreWriter {
  /** Where entries may go: the path rules (safe-target.ts). */
  private readonly safe: SafeTarget;
  private readonly problems: RestoreProblem[] = [];
  private readonly restored = { files: 0, bytes: 0, dirs: 0, symlinks: 0 };
  private readonly openSegments: OpenSegments;
  private fileWriters: FileWriters | undefined;
  /** SLOTS windows of shared memory (one buffer, so a decrypting thread keeps its memory). */
  private memory: SharedArrayBuffer | undefined;
  private readonly windows = new WindowSlots(SLOTS);
  private readonly overwrite: boolean;
  private readonly keys: SegmentKeys | undefined;
  private readonly ledger: PieceLedger;
  /** Told as files are written, and as a large file's chunks are read (progress within a file). */
  private onProgress: (files: number, bytes: number) => void = () => undefined;
  private readonly policy: MetadataPolicy;
  private readonly runningAs = { uid: process.getuid?.() ?? -1, gid: process.getgid?.() ?? -1 };
  /** Second names of files (hard links): made once every file is in. */
  private readonly hardLinks: { entry: RestoreEntry; first: string }[] = [];
  /** Sparse files: restored after the others, each alone (extent by extent, holes left as holes). */
  private readonly sparseFiles: { entry: RestoreEntry; extents: readonly (readonly [number, number])[] }[] = [];
  /** First names that hard links of the selection name, and (once restored or found equal) where they are. */
  private linkTargets = new Map<string, string | undefined>();
  private readonly decodedMetadata = new Map<string, RestoreMetadata | { readonly problem: string }>();

  constructor(
    private readonly mountRoot: string,
    private readonly target: string,
    private readonly options: RestoreWriterOptions,
  ) {
    this.safe = new SafeTarget(target, options.strip, (problem) => this.problems.push(problem));
    this.overwrite = options.overwrite;
    this.keys = options.keys;
    this.openSegments = new OpenSegments(options.keys);
    this.ledger = options.ledger ?? new PieceLedger();
    this.policy = options.metadata ?? { owners: false };
  }

  /**
   * `finishDirectories` false leaves folder modes and times for a later call: a restore
   * from several tapes writes into the same folders tape after tape.
   */
  async restore(source: RestoreSource, onProgress: (files: number, bytes: number) => void, finishDirectories = true): Promise<RestoreOutcome> {
    this.onProgress = onProgress;
    try {
      this.linkTargets = new Map([...(source.linkTargets?.() ?? [])].map((p) => [p, undefined]));
      for (const dir of source.ofKind('dir', 'path')) this.restoreDir(dir);
      await this.restoreFiles(this.divertHardLinks(source.ofKind('file', 'tape')), onProgress);
      for (const piece of source.pieces()) await this.restorePiece(piece);
      for (const { entry, extents } of this.sparseFiles.splice(0)) await this.restoreSparse(entry, extents);
      for (const { entry, first } of this.hardLinks.splice(0)) await this.restoreHardLink(entry, first);
      for (const link of source.ofKind('symlink', 'path')) this.restoreSymlink(link);
      if (finishDirectories) this.finishDirectories(source);
    } finally {
      this.openSegments.closeAll();
      await this.fileWriters?.close();
    }
    return { restored: this.restored, problems: this.problems, bytesReadFromTape: this.openSegments.bytesRead };
  }

  /** Folder modes and times, deepest first, once nothing more is written into them; returns the problems this met. */
  finishDirectories(source: RestoreSource): RestoreProblem[] {
    const before = this.problems.length;
    for (const dir of source.ofKind('dir', 'path-desc')) this.finishDir(dir);
    return this.problems.slice(before);
  }

  /** The target path of an entry, with its parent folders made (and checked to be real folders). */
  private place(entry: RestoreEntry): string | undefined {
    return this.safe.place(entry.path);
  }

  private failed(original: string, error: unknown): false {
    return this.safe.failed(original, error);
  }

  private restoreDir(entry: RestoreEntry): void {
    const full = this.place(entry);
    if (full === undefined) return;
    try {
      fs.mkdirSync(osPath(full));
      this.restored.dirs++;
    } catch (error) {
      if (!isErrno(error, 'EEXIST')) {
        this.failed(entry.path, error);
        return;
      }
      if (!fs.lstatSync(osPath(full)).isDirectory()) {
        this.problems.push({ path: entry.path, kind: 'differs', reason: 'something that is not a folder is there' });
        return;
      }
    }
    this.safe.folderVerified(full);
  }

  /** Folder owners, modes, attributes (a default ACL too) and times go last: writing into a folder changes its time. */
  private finishDir(entry: RestoreEntry): void {
    const full = this.safe.verifiedFolder(entry.path);
    if (full !== undefined) this.applyMetadata(full, entry, 'dir');
  }

  /** Owner, mode, attributes and exact time of a restored path; what fails is reported, the path stays. */
  private applyMetadata(full: string, entry: RestoreEntry, kind: 'file' | 'dir' | 'symlink', meta?: RestoreMetadata, created?: Created): void {
    const decoded = meta ?? this.metadataOf(entry);
    if ('problem' in decoded) {
      this.problems.push({ path: entry.path, kind: 'failed', reason: `restored without its owner and attributes: ${decoded.problem}` });
      return;
    }
    const missed = applyMetadata(full, kind, entry.mode, entry.mtimeNs, decoded, this.policy, created);
    if (missed !== undefined) this.problems.push({ path: entry.path, kind: 'failed', reason: missed });
  }

  /**
   * An entry's decoded metadata. Most entries of a tree share a few owners and nothing
   * else: those decodings are remembered (bounded), not repeated per file.
   */
  private metadataOf(entry: RestoreEntry): RestoreMetadata | { readonly problem: string } {
    const key = typeof entry.meta === 'string' && entry.meta.length > 120 ? undefined : `${entry.uid ?? ''}:${entry.gid ?? ''}:${entry.meta ?? ''}`;
    const known = key === undefined ? undefined : this.decodedMetadata.get(key);
    if (known !== undefined) return known;
    const decoded = restoreMetadata(entry);
    if (key !== undefined) {
      if (this.decodedMetadata.size >= 4096) this.decodedMetadata.clear();
      this.decodedMetadata.set(key, decoded);
    }
    return decoded;
  }

  /** A file written with mode and microsecond time: the rest of its metadata, when it has any. */
  private finishMetadata(full: string, entry: RestoreEntry): void {
    const meta = this.metadataOf(entry);
    if ('problem' in meta || needsMetadata(meta, this.policy, entry.mtimeNs, this.runningAs, exactTimes)) this.applyMetadata(full, entry, 'file', 'problem' in meta ? undefined : meta, this.runningAs);
  }

  /** Hard links and sparse files are set aside (made after the others: links to their first name, sparse files extent by extent); every other file goes on. */
  private *divertHardLinks(files: Iterable<RestoreEntry>): Generator<RestoreEntry> {
    for (const entry of files) {
      // Only a hard link's or a sparse file's metadata names it so (most entries carry owner names alone).
      const special = typeof entry.meta === 'string' && (entry.meta.includes('"link"') || entry.meta.includes('"sparse"'));
      const meta = special ? this.metadataOf(entry) : undefined;
      if (meta !== undefined && !('problem' in meta) && meta.link !== undefined) this.hardLinks.push({ entry, first: meta.link });
      else if (meta !== undefined && !('problem' in meta) && meta.sparse !== undefined) this.sparseFiles.push({ entry, extents: meta.sparse });
      else yield entry;
    }
  }

  /** A first name of a hard link is in place (restored, or already there and equal): links may point at it. */
  private noteFirstName(entry: RestoreEntry, full: string): void {
    if (this.linkTargets.has(entry.path)) this.linkTargets.set(entry.path, full);
  }

  /**
   * A second name: a link to the first name when this restore put it in place (or found
   * it equal), else a copy of the data it shares (the first name was not selected or failed).
   */
  private async restoreHardLink(entry: RestoreEntry, first: string): Promise<void> {
    const firstFull = this.linkTargets.get(first);
    if (firstFull === undefined) return this.restoreLarge(entry);
    const full = this.place(entry);
    if (full === undefined || !this.claim(full, entry)) return;
    const part = partPath(full, this.options.tag);
    try {
      const found = lookAt(full);
      if (found._tag !== 'absent' && fs.lstatSync(osPath(full)).ino === fs.lstatSync(osPath(firstFull)).ino) {
        this.problems.push({ path: entry.path, kind: 'skipped', reason: 'already there, equal to the tape' });
        return;
      }
      if (kept(found, this.overwrite)) return this.differs(entry, found._tag === 'file' ? 'another file is there, not a link to its first name' : 'something else is there');
      const at = found._tag === 'absent' ? full : part;
      if (at === part) removePart(part);
      fs.linkSync(osPath(firstFull), osPath(at));
      if (at === part) installPart(part, full);
      this.restored.files++;
    } catch (error) {
      quietlyRemove(part);
      this.failed(entry.path, error);
    }
  }

  /** A link is made under its final name when that is free (symlink(2) is atomic), else under its temporary name and renamed over. */
  private restoreSymlink(entry: RestoreEntry): void {
    const full = this.place(entry);
    if (full === undefined || entry.target === null) return;
    const part = partPath(full, this.options.tag);
    try {
      const found = lookAt(full);
      if (kept(found, this.overwrite)) return this.keepLink(entry, entry.target, full, found);
      const at = found._tag === 'absent' ? full : part;
      if (at === part) removePart(part);
      fs.symlinkSync(nameBytes(entry.target), osPath(at));
      const t = seconds(entry.mtimeNs);
      fs.lutimesSync(osPath(at), t, t);
      this.applyMetadata(at, entry, 'symlink', undefined, this.runningAs);
      if (at === part) installPart(part, full);
      this.restored.symlinks++;
    } catch (error) {
      quietlyRemove(part);
      this.failed(entry.path, error);
    }
  }

  /** A link already there is equal when it points where the tape's does. */
  private keepLink(entry: RestoreEntry, target: string, full: string, found: Found): void {
    const isLink = found._tag === 'other' && found.what === 'a symlink';
    if (isLink && nameText(fs.readlinkSync(osPath(full), { encoding: 'buffer' })) === target) {
      this.problems.push({ path: entry.path, kind: 'skipped', reason: 'already there, equal to the tape' });
      return;
    }
    const what = found._tag === 'file' ? 'a file' : found._tag === 'other' ? found.what : 'nothing';
    this.differs(entry, isLink ? 'a symlink to another target is there' : `${what} is there`);
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
          await this.windows.drain();
          await this.restoreLarge(item.entry);
          onProgress(this.restored.files, this.restored.bytes);
          continue;
        }
        // The previous window's read ends before this one starts: one read of the tape in
        // flight, front to back (its files are written while this one reads).
        const previous = ahead === undefined ? undefined : { window: ahead.window, data: await ahead.read };
        const read = quiet(this.startRead(item, await this.windows.take()));
        if (previous !== undefined) await this.queueWindow(previous.window, previous.data, onProgress);
        ahead = { window: item, read };
      }
      if (ahead !== undefined) await this.queueWindow(ahead.window, await ahead.read, onProgress);
      ahead = undefined;
      await this.windows.drain();
    } finally {
      if (ahead !== undefined) await Promise.allSettled([ahead.read]);
      await this.windows.settle();
    }
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
      this.windows.release(slot);
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
      if (!this.claim(full, entry)) continue;
      const { mtimeUs } = expectedOf(entry.size, entry.mtimeNs);
      const exact = splitNs(BigInt(entry.mtimeNs));
      const mtimeExact = { seconds: Number(exact.seconds), nanoseconds: exact.nanoseconds };
      files.push({ path: full, mode: entry.mode, mtimeSeconds: seconds(entry.mtimeNs), mtimeUs: Number(mtimeUs), mtimeExact, start: data.byteOffset + at, length: entry.size, sha256: entry.sha256 });
      byIndex.push(entry);
    }
    if (files.length === 0) {
      this.windows.release(slot);
      onProgress(this.restored.files, this.restored.bytes);
      return;
    }
    const written = this.writers().write(files, this.overwrite).then((misses) => {
      this.windows.release(slot);
      this.restored.files += files.length - misses.length;
      this.restored.bytes += files.reduce((sum, f) => sum + f.length, 0);
      const missed = new Set<number>();
      for (const [index, outcome, reason] of misses) {
        const entry = byIndex[index]!;
        this.restored.bytes -= entry.size;
        missed.add(index);
        if (outcome === 'skipped') this.noteFirstName(entry, files[index]!.path);
        this.problems.push(outcome === 'corrupted' ? this.corrupted(entry) : { path: entry.path, kind: outcome, reason });
      }
      byIndex.forEach((entry, index) => {
        if (missed.has(index)) return;
        this.finishMetadata(files[index]!.path, entry);
        this.noteFirstName(entry, files[index]!.path);
      });
      onProgress(this.restored.files, this.restored.bytes);
    });
    this.windows.writes(quiet(written));
  }

  private writers(): FileWriters {
    this.memory ??= new SharedArrayBuffer(SLOTS * WINDOW);
    this.fileWriters ??= new FileWriters(WRITER_THREADS, this.memory, { contentKey: this.keys?.contentKey, tag: this.options.tag, quick: this.options.quick });
    return this.fileWriters;
  }

  /** False (and reported) when another entry of this restore already went to `full`. */
  private claim(full: string, entry: RestoreEntry): boolean {
    return this.safe.claim(full, entry.path);
  }

  private async restoreLarge(entry: RestoreEntry): Promise<void> {
    const target = await this.openTarget(entry);
    if (target === undefined) return;
    const { full, part, fd, segment } = target;
    const written = await this.copyLarge(segmentPath(this.mountRoot, entry.job, segment), entry, fd, part);
    this.finishPart(full, part, entry, fd, written);
  }

  /**
   * Where a file read from its own place on tape goes: its final name placed and claimed,
   * its recorded location checked, what is there looked at (and kept, reported, without
   * `--overwrite`: then the tape is not even read), and its temporary file created. Undefined
   * when there is nothing to write (each reason reported).
   */
  private async openTarget(entry: RestoreEntry): Promise<{ full: string; part: string; fd: number; segment: number; offset: number; sha256: string } | undefined> {
    const full = this.place(entry);
    if (full === undefined || !this.claim(full, entry)) return undefined;
    if (entry.segment === null || entry.offset === null || entry.sha256 === null) {
      this.problems.push(this.unlocated(entry));
      return undefined;
    }
    const found = this.look(full, entry);
    if (found === undefined) return undefined;
    if (kept(found, this.overwrite)) {
      await this.keepFile(full, entry, found);
      return undefined;
    }
    const part = partPath(full, this.options.tag);
    const fd = this.createPart(part, entry);
    if (fd === undefined) return undefined;
    return { full, part, fd, segment: entry.segment, offset: entry.offset, sha256: entry.sha256 };
  }

  /** A sparse file: its extents written where they go, its holes left as holes; checked, then renamed into place like any file. */
  private async restoreSparse(entry: RestoreEntry, extents: readonly (readonly [number, number])[]): Promise<void> {
    const target = await this.openTarget(entry);
    if (target === undefined) return;
    const { full, part, fd, segment, offset, sha256 } = target;
    const opened = this.segment(segmentPath(this.mountRoot, entry.job, segment), entry);
    let written: RestoreProblem | undefined;
    if (!isSource(opened)) written = opened;
    else {
      try {
        const copied = await copySparse(opened, offset, extents, entry.size, fd, this.keys?.contentKey);
        if (copied._tag === 'short') written = { path: entry.path, kind: 'missing', reason: `segment ${segment} ends inside the sparse file's data (truncated)` };
        else if (copied.digest !== sha256) written = this.corrupted(entry);
      } catch (error) {
        written =
          error instanceof SealedSegmentDamaged
            ? { path: entry.path, kind: 'corrupted', reason: `segment ${segment} ${error.message}: nothing of it was released` }
            : { path: entry.path, kind: 'failed', reason: `${errnoCode(error)}: ${errorMessage(error)}` };
      }
    }
    this.finishPart(full, part, entry, fd, written);
  }

  private look(full: string, entry: RestoreEntry): Found | undefined {
    try {
      return lookAt(full);
    } catch (error) {
      this.failed(entry.path, error);
      return undefined;
    }
  }

  private createPart(part: string, entry: RestoreEntry): number | undefined {
    try {
      return createPart(part);
    } catch (error) {
      this.failed(entry.path, error);
      return undefined;
    }
  }

  /** A file already there and kept: a crash's leftover temporary file of it goes, and it is compared with the tape's. */
  private async keepFile(full: string, entry: RestoreEntry, found: Found): Promise<void> {
    try {
      removePart(partPath(full, this.options.tag));
      const verdict = judge(found, expectedOf(entry.size, entry.mtimeNs), this.options.quick);
      if (verdict._tag === 'differs') return this.differs(entry, verdict.reason);
      if (verdict._tag === 'hash' && (await hashRange(full, 0, entry.size, this.keys?.contentKey)) !== entry.sha256) return this.differs(entry, contentDiffers(this.keys?.contentKey));
      this.noteFirstName(entry, full);
      this.problems.push({ path: entry.path, kind: 'skipped', reason: 'already there, equal to the tape' });
    } catch (error) {
      this.failed(entry.path, error);
    }
  }

  private differs(entry: RestoreEntry, reason: string): void {
    this.problems.push({ path: entry.path, kind: 'differs', reason });
  }

  /**
   * A piece of a split file. Written: the first piece seen creates the file's temporary
   * name, the others write into it; once whole it gets its mode and time and is renamed
   * into place. A bad piece removes the temporary file (a file already there stays).
   * Without overwrite, a file already there is compared piece by piece instead.
   */
  private async restorePiece(piece: RestorePiece): Promise<void> {
    const full = this.place(piece);
    if (full === undefined) return;
    const state = this.ledger.state(full);
    if (state === 'settled') return;
    if (piece.segment === null || piece.offset === null || piece.sha256 === null) return this.pieceFailed(full, this.unlocated(piece));
    if (state === 'comparing') return this.comparePiece(full, piece);
    let part: string;
    let fd: number;
    if (state === 'new') {
      const found = this.look(full, piece);
      if (found === undefined) return this.ledger.settled(full, piece.fileSize, piece.path);
      if (kept(found, this.overwrite)) return this.keepSplit(full, piece, found);
      part = partPath(full, this.options.tag);
      const created = this.createPart(part, piece);
      if (created === undefined) return this.ledger.settled(full, piece.fileSize, piece.path);
      this.ledger.started(full, piece.fileSize, piece.path, part);
      fd = created;
    } else {
      part = this.ledger.part(full) ?? partPath(full, this.options.tag);
      try {
        fd = fs.openSync(osPath(part), fs.constants.O_WRONLY | fs.constants.O_NOFOLLOW);
      } catch (error) {
        return this.pieceFailed(full, { path: piece.path, kind: 'failed', reason: `${errnoCode(error)}: ${errorMessage(error)}` });
      }
    }
    const problem = await this.copyPieceChecked(piece, fd);
    if (problem !== undefined) {
      fs.closeSync(fd);
      return this.pieceFailed(full, problem);
    }
    if (!this.ledger.wrote(full, piece.size)) {
      // Other pieces are still to come (from another tape): mode, time and rename with the last.
      fs.closeSync(fd);
      return;
    }
    this.ledger.settled(full);
    this.finishPart(full, part, { ...piece, size: piece.fileSize }, fd, undefined);
  }

  /** A split file already there: equal only if every piece is (each compared as its tape comes), or by size and time with quick. */
  private async keepSplit(full: string, piece: RestorePiece, found: Found): Promise<void> {
    try {
      removePart(partPath(full, this.options.tag));
    } catch (error) {
      this.ledger.settled(full, piece.fileSize, piece.path);
      return void this.failed(piece.path, error);
    }
    const verdict = judge(found, expectedOf(piece.fileSize, piece.mtimeNs), this.options.quick);
    if (verdict._tag === 'hash') {
      this.ledger.comparing(full, piece.fileSize, piece.path);
      return this.comparePiece(full, piece);
    }
    this.ledger.settled(full, piece.fileSize, piece.path);
    if (verdict._tag === 'differs') this.differs(piece, verdict.reason);
    else this.problems.push({ path: piece.path, kind: 'skipped', reason: 'already there, equal to the tape' });
  }

  private async comparePiece(full: string, piece: RestorePiece): Promise<void> {
    let digest: string | undefined;
    try {
      digest = await hashRange(full, piece.fileOffset, piece.size, this.keys?.contentKey);
    } catch (error) {
      this.ledger.settled(full);
      return void this.failed(piece.path, error);
    }
    if (digest !== piece.sha256) {
      this.ledger.settled(full);
      return this.differs(piece, contentDiffers(this.keys?.contentKey));
    }
    if (!this.ledger.wrote(full, piece.size)) return;
    this.ledger.settled(full);
    this.problems.push({ path: piece.path, kind: 'skipped', reason: 'already there, equal to the tape' });
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

  /** A bad piece: the temporary file goes (never a file already under the final name). */
  private pieceFailed(full: string, problem: RestoreProblem): void {
    const part = this.ledger.part(full);
    this.ledger.settled(full);
    if (part !== undefined) quietlyRemove(part);
    this.problems.push(problem);
  }

  private unlocated(entry: RestoreEntry): RestoreProblem {
    return { path: entry.path, kind: 'missing', reason: 'the catalog has no location for its data' };
  }

  /**
   * A whole, checked file: mode and times, fsync (a large file's last bytes; and a file
   * already there is replaced only by one on disk), then renamed into place. A problem
   * instead removes the temporary file: the final name is never touched.
   */
  private finishPart(full: string, part: string, entry: RestoreEntry, fd: number, written: RestoreProblem | undefined): void {
    let open = true;
    try {
      if (written === undefined) {
        fs.fchmodSync(fd, entry.mode);
        const t = seconds(entry.mtimeNs);
        fs.futimesSync(fd, t, t);
        fs.fsyncSync(fd);
      }
      open = false;
      fs.closeSync(fd);
      if (written !== undefined) {
        removePart(part);
        this.problems.push(written);
        return;
      }
      this.applyMetadata(part, entry, 'file', undefined, this.runningAs);
      installPart(part, full);
      this.noteFirstName(entry, full);
      this.restored.files++;
      this.restored.bytes += entry.size;
    } catch (error) {
      if (open) fs.closeSync(fd);
      quietlyRemove(part);
      this.failed(entry.path, error);
    }
  }

  /** A large file: positioned reads running ahead of hashing and writing, streamed to the target. */
  private async copyLarge(key: string, entry: RestoreEntry, out: number, outPath: string): Promise<RestoreProblem | undefined> {
    const opened = this.segment(key, entry);
    if (!isSource(opened)) return opened;
    const crashPoint = this.options.crashPoint;
    let chunksRead = 0;
    // Crash tests stop or kill the restore between chunks of a large file, i.e. mid-file;
    // each chunk read counts towards the progress shown.
    const source: SegmentSource = {
      read: async (...args) => {
        crashPoint?.('restore-chunk');
        const n = await opened.read(...args);
        chunksRead += n;
        this.onProgress(this.restored.files, this.restored.bytes + chunksRead);
        return n;
      },
      prefetch: (position, length) => opened.prefetch?.(position, length),
      close: () => opened.close(),
      get bytesRead() {
        return opened.bytesRead;
      },
    };
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

  /** The segment at `key`, open (reads may be in flight on it), or why it cannot be. */
  private segment(key: string, entry: RestoreEntry): SegmentSource | RestoreProblem {
    return this.openSegments.open(key, entry);
  }
}


/** Removes a temporary file on the way out of a failure (which is what gets reported). */
const quietlyRemove = (part: string): void => {
  try {
    removePart(part);
  } catch {
    // Its name stays recognisable (part-file.ts): the next restore of the job removes it.
  }
};

/** A window read into its slot: the bytes, why its segment could not be opened, or 'damaged' (read its files alone). */
interface WindowData {
  readonly slot: number;
  readonly data: Buffer | RestoreProblem | 'damaged';
}

