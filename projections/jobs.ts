import type { DomainEvent } from '../domain/events';
import type { StoredEvent } from '../domain/envelope';
import { bool, sql, type Projection, type Statement } from './projection';

/** `jobs`: one row per job, its status and totals (what `jobs` lists). */
export const jobsProjection: Projection = {
  name: 'jobs',
  schema: [
    `CREATE TABLE IF NOT EXISTS jobs (
       id TEXT PRIMARY KEY,
       tape TEXT NOT NULL,
       type TEXT NOT NULL,
       mode TEXT,
       status TEXT NOT NULL,
       started_at TEXT NOT NULL,
       ended_at TEXT,
       files INTEGER NOT NULL DEFAULT 0,
       bytes_read INTEGER NOT NULL DEFAULT 0,
       bytes_written INTEGER NOT NULL DEFAULT 0,
       warnings INTEGER NOT NULL DEFAULT 0,
       -- files, bytes_read, bytes_written: the end event's totals; until it comes (and for an
       -- interrupted job, for good) what its closed segments hold
       encrypted INTEGER NOT NULL,
       reason TEXT,
       host TEXT,
       -- store position of JobStarted: orders the jobs of a tape ("the tree as of a job")
       ordinal INTEGER NOT NULL,
       sources TEXT,
       target TEXT
     )`,
    'CREATE INDEX IF NOT EXISTS jobs_by_tape ON jobs (tape, started_at)',
  ],
  tables: [{ name: 'jobs', key: ['id'] }],
  project: (event: DomainEvent, stored: StoredEvent): readonly Statement[] => {
    switch (event.type) {
      case 'JobStarted': {
        const d = event.data;
        return [
          sql(
            `INSERT INTO jobs (id, tape, type, mode, status, started_at, encrypted, host, ordinal, sources, target)
             VALUES (?, ?, ?, ?, 'RUNNING', ?, ?, ?, ?, ?, ?)`,
            d.job, d.tape, d.type, d.mode ?? null, stored.at, bool(d.encrypted), d.host ?? null, stored.position,
            d.sources === undefined ? null : JSON.stringify(d.sources), d.target ?? null,
          ),
        ];
      }
      case 'JobCompleted':
      case 'JobFailed': {
        const d = event.data;
        const status = event.type === 'JobCompleted' ? 'SUCCESS' : 'FAILED';
        const reason = event.type === 'JobFailed' ? event.data.reason : null;
        return [
          sql(
            `UPDATE jobs SET status = ?, ended_at = ?, files = ?, bytes_read = ?, bytes_written = ?, warnings = ?, reason = ?
             WHERE id = ?`,
            status, stored.at, d.files, d.bytesRead, d.bytesWritten, d.warnings, reason, d.job,
          ),
        ];
      }
      case 'SegmentsLost':
        // As the job decider: a success whose data is partly gone is FAILED, with the reason.
        return [
          sql(
            `UPDATE jobs SET status = CASE status WHEN 'SUCCESS' THEN 'FAILED' ELSE status END,
               reason = CASE WHEN reason IS NULL OR status = 'SUCCESS' THEN ? ELSE reason || '; ' || ? END
             WHERE id = ?`,
            event.data.reason, event.data.reason, event.data.job,
          ),
        ];
      case 'SegmentClosed':
        return [sql(`UPDATE jobs SET bytes_written = bytes_written + ? WHERE id = ? AND status IN ('RUNNING', 'INTERRUPTED')`, event.data.bytes, event.data.job)];
      case 'FilesArchived': {
        const files = event.data.entries.filter((e) => e.kind === 'file');
        // A file split across tapes counts once, in the part that holds its first byte (as the backup counts it).
        const counted = files.filter((e) => e.extent === undefined || e.extent.offset === 0).length;
        const bytes = files.reduce((n, e) => n + e.size, 0);
        return [
          sql(
            `UPDATE jobs SET files = files + ?, bytes_read = bytes_read + ? WHERE id = ? AND status IN ('RUNNING', 'INTERRUPTED')`,
            counted, bytes, event.data.job,
          ),
        ];
      }
      case 'JobInterrupted':
        return [
          sql(
            `UPDATE jobs SET status = 'INTERRUPTED', ended_at = ?, reason = ? WHERE id = ?`,
            stored.at, event.data.reason, event.data.job,
          ),
        ];
      case 'TapeForgotten':
        // Only its own rows: the files and spans projections forget their rows of the tape's jobs themselves.
        return [sql('DELETE FROM jobs WHERE tape = ?', event.data.tape)];
      default:
        return [];
    }
  },
};
