import type Database from 'better-sqlite3';
import * as t from 'io-ts';
import { EntryKind } from '../../domain/events';
import type { ScannedEntry, ScannedKind } from '../../infrastructure/scan/walk';
import type { Change, PlannedEntry, ScanTable } from '../ports/scan-table';
import { createScanTables } from '../schema';

/** The scan table's columns, in the order `toPlanned` reads them. */
const COLUMNS = 'seq, path, kind, size, mtime_ns, ctime_ns, inode, mode, uid, gid, target, change, links, blocks';

const isNumber = (v: unknown): v is number => typeof v === 'number';
const isString = (v: unknown): v is string => typeof v === 'string';
const isChange = (v: unknown): v is Change => v === 'new' || v === 'modified' || v === 'unchanged';
const isCount = (v: unknown): v is number | null => v === null || typeof v === 'number';
const bad = (): never => {
  throw new Error('scan table row does not decode');
};

/**
 * A row in COLUMNS order, checked and shaped here: an array per row from SQLite, no
 * object, no io-ts decoder per row (4-5 µs a row with `SELECT *` and a `t.type`
 * decode, 100,000 rows in a 100,000-file backup).
 */
const toPlanned = (row: unknown): PlannedEntry => {
  if (!Array.isArray(row) || row.length !== 14) return bad();
  const [seq, path, kind, size, mtime, ctime, inode, mode, uid, gid, target, change, links, blocks]: unknown[] = row;
  if (!isNumber(seq) || !isString(path) || !EntryKind.is(kind) || !isNumber(size) || !isString(mtime) || !isString(ctime) || !isString(inode)) return bad();
  if (!isNumber(mode) || !isNumber(uid) || !isNumber(gid) || !(target === null || isString(target)) || !isChange(change)) return bad();
  if (!isCount(links) || !isCount(blocks)) return bad();
  const scanned: ScannedKind = kind;
  return {
    seq,
    path,
    kind: scanned,
    size,
    mtimeNs: BigInt(mtime),
    ctimeNs: BigInt(ctime),
    inode: BigInt(inode),
    mode,
    uid,
    gid,
    ...(target === null ? {} : { target }),
    ...(links === null ? {} : { links }),
    ...(blocks === null ? {} : { blocks }),
    change,
  };
};

/** Rows per page when reading the plan back (the connection cannot run appends while an iterator is open). */
const PAGE = 2000;
/** Rows per transaction while filling: one commit per row would be the slowest part of a scan. */
const FILL_BATCH = 10_000;

/**
 * The scan of one backup, in a TEMP table of the catalog's connection: it keeps memory
 * flat however many files there are, gives the dry-run its totals, and lets SQL find
 * the catalogued paths the scan no longer saw.
 */
export class SqliteScanTable implements ScanTable {
  private readonly insertEntry: Database.Statement;
  private readonly insertWarning: Database.Statement;
  private pendingInTransaction = 0;
  /** Scan warnings about something left off the tape (could not stat or list), as opposed to a special file skipped by design. */
  private lostCount = 0;

  constructor(private readonly db: Database.Database) {
    createScanTables(db);
    this.insertEntry = db.prepare(
      'INSERT OR IGNORE INTO scan (path, kind, size, mtime_ns, ctime_ns, inode, mode, uid, gid, target, change, links, blocks) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
    );
    this.insertWarning = db.prepare('INSERT INTO scan_warnings (path, reason) VALUES (?, ?)');
  }

  add(entry: ScannedEntry, change: Change): void {
    this.inBatch(() =>
      this.insertEntry.run(
        entry.path, entry.kind, entry.size, entry.mtimeNs.toString(), entry.ctimeNs.toString(), entry.inode.toString(), entry.mode, entry.uid, entry.gid, entry.target ?? null, change,
        entry.links ?? null, entry.blocks ?? null,
      ),
    );
  }

  warn(path: string, reason: string, lost = false): void {
    if (lost) this.lostCount += 1;
    this.inBatch(() => this.insertWarning.run(path, reason));
  }

  /** How many scanned paths (or folders' contents) could not be archived. */
  lost(): number {
    return this.lostCount;
  }

  /** Commits the last fill batch. */
  finishFill(): void {
    if (this.pendingInTransaction > 0) this.db.exec('COMMIT');
    this.pendingInTransaction = 0;
  }

  totals(): Record<Change, { entries: number; files: number; bytes: number }> {
    const out = { new: zero(), modified: zero(), unchanged: zero() };
    for (const row of this.db.prepare("SELECT change, count(*) AS n, sum(kind = 'file') AS f, sum(size) AS b FROM scan GROUP BY change").all()) {
      const r = t.type({ change: t.keyof(out), n: t.number, f: t.number, b: t.number }).decode(row);
      if (r._tag === 'Right') out[r.right.change] = { entries: r.right.n, files: r.right.f, bytes: r.right.b };
    }
    return out;
  }

  /** Entries to write, in scan order, page by page. */
  *toWrite(): Generator<PlannedEntry> {
    const page = this.db.prepare(`SELECT ${COLUMNS} FROM scan WHERE seq > ? AND change != 'unchanged' ORDER BY seq LIMIT ?`).raw();
    for (let after = 0; ; ) {
      const rows = page.all(after, PAGE).map(toPlanned);
      if (rows.length === 0) return;
      yield* rows;
      after = rows[rows.length - 1]!.seq;
    }
  }

  warnings(): { path: string; reason: string }[] {
    return this.db
      .prepare('SELECT path, reason FROM scan_warnings ORDER BY id')
      .all()
      .flatMap((row) => {
        const r = t.type({ path: t.string, reason: t.string }).decode(row);
        return r._tag === 'Right' ? [r.right] : [];
      });
  }

  /**
   * Catalogued paths of `tape` at or under `roots` whose latest version exists but that
   * the scan did not see (and that no scan warning hides: an unreadable folder's
   * contents are not gone). Returns how many.
   */
  async findGone(tape: string, roots: readonly string[], tapes: readonly string[] = [tape]): Promise<number> {
    // Across a set's tapes the newest version of a path may be on another tape than its folder row.
    const across = tapes.length > 1;
    const onTapes = across ? 'd.tape IN (SELECT value FROM json_each(@tape))' : 'd.tape = @tape';
    const newest = across
      ? `(SELECT e2.id FROM entries e2 JOIN dirs d2 ON d2.id = e2.dir_id
          WHERE d2.tape IN (SELECT value FROM json_each(@tape)) AND d2.path = d.path AND e2.name = e.name ORDER BY e2.ordinal DESC, e2.id DESC LIMIT 1)`
      : '(SELECT e2.id FROM entries e2 WHERE e2.dir_id = e.dir_id AND e2.name = e.name ORDER BY e2.ordinal DESC, e2.id DESC LIMIT 1)';
    const fill = this.db.prepare(
      `INSERT OR IGNORE INTO gone (path)
       SELECT p FROM (
         SELECT CASE WHEN d.path = '/' THEN '/' || e.name ELSE d.path || '/' || e.name END AS p, e.kind AS kind
         FROM entries e JOIN dirs d ON d.id = e.dir_id
         WHERE ${onTapes} AND (d.path = @root OR (d.path >= @root || '/' AND d.path < @root || '0') OR (d.path = @rootDir AND e.name = @rootName))
           AND e.id = ${newest}
       )
       WHERE kind != 'deleted'
         AND NOT EXISTS (SELECT 1 FROM scan s WHERE s.path = p)
         AND NOT EXISTS (SELECT 1 FROM scan_warnings w WHERE w.path = p OR (p >= w.path || '/' AND p < w.path || '0'))`,
    );
    const key = across ? JSON.stringify(tapes) : tape;
    for (const root of roots) {
      const cut = root.lastIndexOf('/');
      const rootDir = cut <= 0 ? '/' : root.slice(0, cut);
      fill.run({ tape: key, root: root === '/' ? '' : root, rootDir, rootName: root.slice(cut + 1) });
    }
    const n: unknown = this.db.prepare('SELECT count(*) FROM gone').pluck().get();
    return typeof n === 'number' ? n : 0;
  }

  /** The gone paths, in order, page by page. */
  *gone(): Generator<string> {
    const page = this.db.prepare('SELECT path FROM gone WHERE path > ? ORDER BY path LIMIT ?').pluck();
    for (let after = ''; ; ) {
      const rows = page.all(after, PAGE).filter((p): p is string => typeof p === 'string');
      if (rows.length === 0) return;
      yield* rows;
      after = rows[rows.length - 1]!;
    }
  }

  private inBatch(write: () => void): void {
    if (this.pendingInTransaction === 0) this.db.exec('BEGIN');
    write();
    if (++this.pendingInTransaction >= FILL_BATCH) this.finishFill();
  }
}

const zero = () => ({ entries: 0, files: 0, bytes: 0 });
