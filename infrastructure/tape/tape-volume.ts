import * as fs from 'node:fs';
import * as path from 'node:path';
import * as E from 'fp-ts/Either';
import type { EventEnvelope } from '../../domain/envelope';
import type { VolumeLabel } from '../../domain/volume-label';
import { errnoCode, errorMessage, isErrno } from '../errno';
import {
  appendToJournal,
  JOURNAL_FILE,
  readJournal,
  type JournalAppended,
  type JournalCursor,
  type JournalHead,
  type JournalRecord,
  type TornTail,
} from '../journal';
import { liftAppendOnly, ltfsFacts, ltfsIdentity, ltfsIndexState, requestIndexSync, type LtfsFacts, type LtfsIdentity, type LtfsIndexState } from './ltfs-attributes';
import { segmentPath } from './layout';
import type { TapeProblem } from './tape-problems';
import { ARCHIVE_DIR, readVolumeLabel, VOLUME_LABEL_FILE, writeVolumeLabel } from './volume-label-file';

export type { JournalHead, TapeProblem };

/** What a mount point holds. */
export type VolumeProbe =
  | { readonly _tag: 'Blank' }
  | { readonly _tag: 'Labelled'; readonly label: VolumeLabel; readonly labelHash: string };

export interface JournalContents {
  /** The records read: all of them, or those after the cursor the read resumed at. */
  readonly records: readonly JournalRecord[];
  readonly head: JournalHead;
  readonly cursor: JournalCursor | undefined;
  readonly tornTail: { readonly record: number; readonly line: number } | undefined;
  readonly healedTears: number;
  /** Damaged records read around (salvage reads only). */
  readonly breaks: number;
}

/**
 * Journals up to this size (about 20,000 archived files) are re-checked whole at each
 * contact, in well under 100 ms. Past it, reading the whole journal again costs more
 * than it protects: ~0.6 s per 100,000 files here, and on a real cartridge a read of
 * every extent of the journal, seeks included, before each command.
 */
export const FULL_CHECK_BYTES = 4 * 1024 * 1024;

const tornTailOf = (t: TornTail | undefined) => (t === undefined ? undefined : { record: t.record, line: t.line });

/**
 * A tape as a folder: an LTFS mount point, or any folder standing in for one. Knows
 * the layout under LTO-ARCHIVE/ and turns file-system failures into `TapeProblem`s.
 */
export class FolderTape {
  readonly archiveDir: string;
  readonly journalPath: string;
  private journalChecked = false;

  constructor(readonly root: string) {
    this.archiveDir = path.join(root, ARCHIVE_DIR);
    this.journalPath = path.join(this.archiveDir, JOURNAL_FILE);
  }

  /** Is it there, a folder, and does it carry a label? A label that does not decode is a problem. */
  probe(): E.Either<TapeProblem, VolumeProbe> {
    const folder = this.checkFolder();
    if (E.isLeft(folder)) return folder;
    const label = readVolumeLabel(this.archiveDir);
    if (E.isRight(label)) return E.right({ _tag: 'Labelled', label: label.right.label, labelHash: label.right.hash });
    if (label.left._tag === 'VolumeLabelMissing') return E.right({ _tag: 'Blank' });
    const problems = label.left._tag === 'VolumeLabelInvalid' ? label.left.problems : [label.left.message];
    return E.left({ _tag: 'VolumeLabelInvalid', path: label.left.path, problems });
  }

  /** Before initialising: the mount point must exist, be a folder and take writes. */
  checkWritable(): E.Either<TapeProblem, void> {
    const folder = this.checkFolder();
    if (E.isLeft(folder)) return folder;
    try {
      fs.accessSync(this.root, fs.constants.W_OK);
      return E.right(undefined);
    } catch (error) {
      return E.left({ _tag: 'MountNotWritable', path: this.root, code: errnoCode(error) });
    }
  }

  /** Writes volume.json once. */
  writeLabel(label: VolumeLabel): E.Either<TapeProblem, { readonly labelHash: string }> {
    const written = writeVolumeLabel(this.archiveDir, label);
    if (E.isRight(written)) return E.right({ labelHash: written.right.hash });
    const failure = written.left;
    if (failure._tag === 'VolumeLabelExists') {
      return E.left({ _tag: 'VolumeLabelInvalid', path: failure.path, problems: ['a label is already there (it is written once)'] });
    }
    return E.left({ _tag: 'TapeWriteFailed', path: failure.path, code: failure.code, message: failure.message, readOnly: failure.readOnly, full: failure.full });
  }

  /**
   * The journal, chained; the first break is an error naming its record. A journal up
   * to FULL_CHECK_BYTES is checked whole at every contact; a larger one from the cursor
   * of the last read on, when the file still holds that cursor's head line (verify and
   * recovery read it all).
   */
  readJournal(labelHash: string, resumeAt?: JournalCursor, salvage = false): E.Either<TapeProblem, JournalContents> {
    const useCursor = !salvage && resumeAt !== undefined && this.journalSize() > FULL_CHECK_BYTES;
    const read = readJournal(this.journalPath, labelHash, useCursor ? { resumeAt } : { salvage });
    if (E.isLeft(read)) return E.left({ ...read.left, _tag: 'JournalUnreadable' });
    const result = read.right;
    const broken = result.breaks[0];
    if (broken !== undefined && !salvage) {
      return E.left({
        _tag: 'JournalBroken',
        path: this.journalPath,
        record: broken.record,
        line: broken.line,
        kind: broken.kind,
        detail: broken.detail,
      });
    }
    return E.right({
      records: result.records,
      breaks: result.breaks.length,
      head: result.head,
      cursor: result.cursor,
      tornTail: tornTailOf(result.tornTail),
      healedTears: result.healedTears.length,
    });
  }

  /** Appends after `head` (fsynced); a stale head means someone else wrote to this tape. `headLength`: see appendToJournal. */
  appendJournal(
    head: JournalHead,
    envelopes: readonly EventEnvelope[],
    headLength?: number,
  ): E.Either<TapeProblem, JournalAppended> {
    if (!this.journalChecked) {
      // A journal an earlier version marked append-only takes large appends only in part
      // on LTFS (ltfs-facts.md): the flag comes off before the first append of a command.
      this.journalChecked = true;
      liftAppendOnly(this.root, this.journalPath);
    }
    const appended = appendToJournal(this.journalPath, head, envelopes, headLength);
    if (E.isRight(appended)) return appended;
    const failure = appended.left;
    switch (failure._tag) {
      case 'JournalWriteFailed':
        return E.left({ _tag: 'TapeWriteFailed', path: failure.path, code: failure.code, message: failure.message, readOnly: failure.readOnly, full: failure.full });
      case 'JournalHeadMismatch':
        return E.left({ _tag: 'JournalMoved', path: failure.path });
      case 'JournalEventInvalid':
        // We built these envelopes ourselves: one that cannot be written is a bug.
        throw new Error(`event ${failure.index} cannot be journalled: ${failure.problems.join('; ')}`);
    }
  }

  /** Bytes of a closed segment as the tape holds it now; undefined when it is not there (a metadata lookup, no tape motion on LTFS). */
  segmentSize(job: string, segment: number): number | undefined {
    try {
      return fs.statSync(segmentPath(this.root, job, segment)).size;
    } catch {
      return undefined;
    }
  }

  /**
   * Size and modification time of `volume.json` and of the journal, from their metadata
   * (on LTFS the index in memory: no tape motion); undefined when either is missing.
   */
  fileStamps(): { readonly label: string; readonly journal: string } | undefined {
    const stamp = (file: string): string | undefined => {
      try {
        const s = fs.statSync(file, { bigint: true });
        return `${s.size}:${s.mtimeNs}`;
      } catch {
        return undefined;
      }
    };
    const label = stamp(path.join(this.archiveDir, VOLUME_LABEL_FILE));
    const journal = stamp(this.journalPath);
    return label === undefined || journal === undefined ? undefined : { label, journal };
  }

  /** Which index of the cartridge an LTFS mount shows; undefined on a plain folder. */
  ltfsIndexState(): LtfsIndexState | undefined {
    return ltfsIndexState(this.root);
  }

  /** The cartridge's LTFS identity; undefined on a plain folder. */
  ltfsIdentity(): LtfsIdentity | undefined {
    return ltfsIdentity(this.root);
  }

  /** What an LTFS mount tells about its index, media and health; undefined on a plain folder. */
  ltfsFacts(): LtfsFacts | undefined {
    return ltfsFacts(this.root);
  }

  /** Asks LTFS for an index write; the index generation reached, undefined on a plain folder. */
  syncIndex(): number | undefined {
    return requestIndexSync(this.root);
  }

  private journalSize(): number {
    try {
      return fs.statSync(this.journalPath).size;
    } catch {
      return 0;
    }
  }

  private checkFolder(): E.Either<TapeProblem, void> {
    try {
      if (!fs.statSync(this.root).isDirectory()) return E.left({ _tag: 'MountNotFolder', path: this.root });
      return E.right(undefined);
    } catch (error) {
      if (isErrno(error, 'ENOENT')) return E.left({ _tag: 'MountMissing', path: this.root });
      if (isErrno(error, 'ENOTCONN')) return E.left({ _tag: 'MountDisconnected', path: this.root });
      return E.left({ _tag: 'MountNotFolder', path: `${this.root} (${errorMessage(error)})` });
    }
  }
}
