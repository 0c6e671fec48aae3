import type Database from 'better-sqlite3';
import * as t from 'io-ts';
import { EntryKind } from '../../domain/events';
import { nullable } from '../../domain/ids';
import type { Glob } from '../../domain/glob';
import { splitPath } from '../files';
import { createRestoreSet, indexRestoreSet } from '../schema';
import type { PassScope, PathOpener, RestoreSelection, SegmentRank, SelectedEntry } from '../ports/restore-selection';

const PAGE = 5000;

const orNull = <A>(value: unknown, is: (v: unknown) => v is A): A | null => (value === null ? null : is(value) ? value : bad());
const isNumber = (v: unknown): v is number => typeof v === 'number';
const isString = (v: unknown): v is string => typeof v === 'string';
const bad = (): never => {
  throw new Error('restore selection row does not decode');
};

/** A row of restore_set in column order (seq, path, kind, size, mtime_ns, mode, job, segment, offset, sha256, target, file_offset, file_size, uid, gid, meta). */
const selectedEntry = (row: unknown): SelectedEntry => {
  if (!Array.isArray(row) || row.length !== 16) return bad();
  const [seq, path, kind, size, mtime, mode, job, segment, offset, sha256, target, fileOffset, fileSize, uid, gid, meta]: unknown[] = row;
  if (!isNumber(seq) || !isString(path) || !EntryKind.is(kind) || !isNumber(size) || !isString(mtime) || !isNumber(mode) || !isString(job)) return bad();
  return {
    seq,
    path,
    kind,
    size,
    mtimeNs: mtime,
    mode,
    job,
    segment: orNull(segment, isNumber),
    offset: orNull(offset, isNumber),
    sha256: orNull(sha256, isString),
    target: orNull(target, isString),
    fileOffset: orNull(fileOffset, isNumber),
    fileSize: orNull(fileSize, isNumber),
    uid: orNull(uid, isNumber),
    gid: orNull(gid, isNumber),
    meta: orNull(meta, isString),
  };
};

const COLUMNS = 'seq, path, kind, size, mtime_ns, mode, job, segment, offset, sha256, target, file_offset, file_size, uid, gid, meta';

/**
 * What a restore will write (see the port): the tree of a tape as of one job (the latest version of
 * every path up to that job, deleted ones left out), filtered by globs, held in a TEMP
 * table in tape order (job, segment, offset) so the restore reads each segment forward.
 * A job that spans tapes is restored in passes, one per tape: the first part's tape as
 * of that part, then each later part's own entries, a later pass replacing an earlier
 * version of the same path; pieces of a split file are kept apart (`pieces`).
 */
export class SqliteRestoreSelection implements RestoreSelection {
  private passes = 0;

  constructor(private readonly db: Database.Database) {
    createRestoreSet(db);
  }

  /** Fills the selection (one pass); returns how many entries it holds. */
  async select(
    tape: string,
    asOfOrdinal: number,
    globs: readonly Glob[],
    names: PathOpener,
    segmentRank?: SegmentRank,
    scope: PassScope = { pass: 1 },
  ): Promise<number> {
    this.passes = Math.max(this.passes, scope.pass);
    // Globs are over the original paths: a sealed path is opened first (one that does not open matches nothing).
    const matches = (stored: string): boolean => {
      const path = names.tryOpen(stored);
      return path !== undefined && globs.some((g) => g.matches(path));
    };
    this.db.function('lto_selected', { deterministic: true }, (path: unknown) => (globs.length === 0 || (typeof path === 'string' && matches(path)) ? 1 : 0));
    // On an LTFS mount, segments are read by where they start on tape (partition, start block).
    if (segmentRank !== undefined) {
      this.db.function('lto_tape_rank', { deterministic: true }, (job: unknown, segment: unknown) =>
        typeof job === 'string' && typeof segment === 'number' ? segmentRank(job, segment) : 0,
      );
    }
    // Across passes, paths are compared in the clear (each encrypted tape seals names its own way).
    this.db.function('lto_plain', { deterministic: true }, (path: unknown) => (typeof path === 'string' ? (names.tryOpen(path) ?? path) : null));
    const plain = scope.pass === 1 && scope.onlyJob === undefined ? 'NULL' : 'lto_plain(sel.path)';
    // The latest version of a name as of the job: no version of it (ordinal, id) after this
    // one and not after the job. A probe of entries_by_name per row, where a window over
    // every version sorted them all once more (0.3 s → 0.2 s for 100,000 entries). A later
    // part of a span takes that part's own entries (one version of a name per job).
    const latest =
      scope.onlyJob === undefined
        ? `e.ordinal <= @asOf AND NOT EXISTS (
             SELECT 1 FROM entries n
             WHERE n.dir_id = e.dir_id AND n.name = e.name AND n.ordinal >= e.ordinal AND n.ordinal <= @asOf
               AND (n.ordinal > e.ordinal OR n.id > e.id))`
        : 'e.job = @job';
    this.db
      .prepare(
        `INSERT INTO restore_set (path, kind, size, mtime_ns, mode, job, segment, offset, sha256, target, file_offset, file_size, pass, plain, uid, gid, meta)
         SELECT sel.path, sel.kind, sel.size, sel.mtime_ns, sel.mode, sel.job, sel.segment, sel.offset, sel.sha256, sel.target,
                x.file_offset, x.file_size, @pass, ${plain}, sel.uid, sel.gid, sel.meta FROM (
           SELECT CASE WHEN d.path = '/' THEN '/' || e.name ELSE d.path || '/' || e.name END AS path,
                  e.kind, e.size, e.mtime_ns, e.mode, e.job, e.segment, e.offset, e.sha256, e.target, e.uid, e.gid, e.meta,
                  j.ordinal AS job_ordinal
           FROM entries e JOIN dirs d ON d.id = e.dir_id JOIN jobs j ON j.id = e.job
           WHERE d.tape = @tape AND e.kind != 'deleted' AND ${latest}
         ) AS sel
         LEFT JOIN file_extents x ON x.job = sel.job AND x.segment = sel.segment AND x.offset = sel.offset
         ${globs.length === 0 ? '' : 'WHERE lto_selected(sel.path) = 1'}
         ORDER BY ${segmentRank === undefined ? '' : 'lto_tape_rank(sel.job, sel.segment), '}sel.job_ordinal, sel.segment, sel.offset, sel.path`,
      )
      .run(scope.onlyJob === undefined ? { tape, asOf: asOfOrdinal, pass: scope.pass } : { tape, job: scope.onlyJob, pass: scope.pass });
    locateHardLinks(this.db, tape, scope.pass);
    return this.count();
  }

  /**
   * Puts one pass's rows in the order its tape reports (LTFS partition and start block):
   * for the tapes of a span after the first, whose mount is known only when their turn
   * comes. The rows are written again in that order (new seqs) and the old ones dropped.
   */
  rankPass(pass: number, segmentRank: SegmentRank): void {
    this.db.function('lto_tape_rank', { deterministic: true }, (job: unknown, segment: unknown) =>
      typeof job === 'string' && typeof segment === 'number' ? segmentRank(job, segment) : 0,
    );
    const last: unknown = this.db.prepare('SELECT coalesce(max(seq), 0) FROM restore_set').pluck().get();
    const columns = 'path, kind, size, mtime_ns, mode, job, segment, offset, sha256, target, file_offset, file_size, pass, plain, uid, gid, meta';
    this.db.transaction(() => {
      this.db.prepare(`INSERT INTO restore_set (${columns}) SELECT ${columns} FROM restore_set WHERE pass = ? ORDER BY lto_tape_rank(job, segment), seq`).run(pass);
      this.db.prepare('DELETE FROM restore_set WHERE pass = ? AND seq <= ?').run(pass, typeof last === 'number' ? last : 0);
    })();
  }

  /**
   * After every pass: a later part's version of a path replaces an earlier pass's (an
   * incremental span over an older tree), except that pieces of one split file all stay.
   */
  settle(): void {
    if (this.passes > 1) {
      this.db.exec(`DELETE FROM restore_set WHERE EXISTS (
        SELECT 1 FROM restore_set later WHERE later.plain = restore_set.plain AND later.pass > restore_set.pass
          AND NOT (later.file_offset IS NOT NULL AND restore_set.file_offset IS NOT NULL))`);
    }
    indexRestoreSet(this.db);
  }

  count(): number {
    const n: unknown = this.db.prepare('SELECT count(*) FROM restore_set').pluck().get();
    return typeof n === 'number' ? n : 0;
  }

  totals(): { files: number; bytes: number; dirs: number; symlinks: number } {
    const row: unknown = this.db
      .prepare(
        "SELECT sum(kind = 'file' AND coalesce(file_offset, 0) = 0) AS files, coalesce(sum(size), 0) AS bytes, sum(kind = 'dir') AS dirs, sum(kind = 'symlink') AS symlinks FROM restore_set",
      )
      .get();
    const r = t.type({ files: nullable(t.number), bytes: t.number, dirs: nullable(t.number), symlinks: nullable(t.number) }).decode(row);
    if (r._tag === 'Left') return { files: 0, bytes: 0, dirs: 0, symlinks: 0 };
    return { files: r.right.files ?? 0, bytes: r.right.bytes, dirs: r.right.dirs ?? 0, symlinks: r.right.symlinks ?? 0 };
  }

  /**
   * Entries of one kind in one pass, in tape order (files; pieces of split files are
   * left to `pieces`) or path order (the others), page by page (keyset, never OFFSET).
   */
  *ofKind(kind: 'file' | 'dir' | 'symlink', order: 'tape' | 'path' | 'path-desc' = 'tape', pass = 1): Generator<SelectedEntry> {
    // Tape order walks the table by seq: `+pass`, `+kind` keep SQLite off the (pass, kind, path)
    // index, which it would otherwise pick and then sort every page's whole kind again.
    const sql = {
      tape: `SELECT ${COLUMNS} FROM restore_set WHERE +pass = ? AND +kind = ? AND seq > ? AND file_offset IS NULL ORDER BY seq LIMIT ?`,
      path: `SELECT ${COLUMNS} FROM restore_set WHERE pass = ? AND kind = ? AND path > ? ORDER BY path LIMIT ?`,
      'path-desc': `SELECT ${COLUMNS} FROM restore_set WHERE pass = ? AND kind = ? AND path < ? ORDER BY path DESC LIMIT ?`,
    }[order];
    // Rows as arrays (no object per row from SQLite), checked and shaped here: 100k+ rows.
    const page = this.db.prepare(sql).raw();
    let after: number | string = order === 'tape' ? 0 : order === 'path' ? '' : '\u{10FFFF}';
    for (;;) {
      const rows = page.all(pass, kind, after, PAGE).map(selectedEntry);
      const last = rows[rows.length - 1];
      if (last === undefined) return;
      yield* rows;
      after = order === 'tape' ? last.seq : last.path;
    }
  }

  /** The catalogued paths hard links of one pass name as their first name. */
  linkTargets(pass = 1): string[] {
    return this.db
      .prepare("SELECT DISTINCT json_extract(meta, '$.link') FROM restore_set WHERE pass = ? AND json_extract(meta, '$.link') IS NOT NULL")
      .pluck()
      .all(pass)
      .filter((p): p is string => typeof p === 'string');
  }

  /** The pieces of split files in one pass, in tape order. */
  pieces(pass = 1): SelectedEntry[] {
    return this.db.prepare(`SELECT ${COLUMNS} FROM restore_set WHERE pass = ? AND file_offset IS NOT NULL ORDER BY seq`).raw().all(pass).map(selectedEntry);
  }
}

/**
 * A hard link shares its first name's data: its row takes that entry's location (same
 * job), so it can be restored with its own copy of the data when the first name is not
 * restored with it. Links are few: one indexed look-up each.
 */
const locateHardLinks = (db: Database.Database, tape: string, pass: number): void => {
  const links = db.prepare("SELECT seq, job, json_extract(meta, '$.link') FROM restore_set WHERE pass = ? AND kind = 'file' AND json_extract(meta, '$.link') IS NOT NULL").raw().all(pass);
  if (links.length === 0) return;
  const first = db.prepare(
    `SELECT e.segment, e.offset, e.sha256 FROM entries e WHERE e.dir_id = (SELECT id FROM dirs WHERE tape = ? AND path = ?) AND e.name = ? AND e.job = ? AND e.kind = 'file'`,
  );
  const locate = db.prepare('UPDATE restore_set SET segment = ?, offset = ?, sha256 = ? WHERE seq = ?');
  for (const row of links) {
    if (!Array.isArray(row)) continue;
    const [seq, job, link]: unknown[] = row;
    if (typeof link !== 'string' || typeof job !== 'string') continue;
    const [dir, name] = splitPath(link);
    const found = FirstCopy.decode(first.get(tape, dir, name, job));
    if (found._tag === 'Right') locate.run(found.right.segment, found.right.offset, found.right.sha256, seq);
  }
};

const FirstCopy = t.type({ segment: t.number, offset: t.number, sha256: t.string });
