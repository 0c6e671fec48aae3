/**
 * A synthetic journal for the recovery benchmark (bench/recovery.ts): one backup of many
 * file entries written with the real journal writer, as fast as it can be made, so the
 * recovery of a large catalog can be timed without a real backup first.
 */
import * as path from 'node:path';
import { CURRENT_SCHEMA, type ArchivedEntry, type DomainEvent } from '../domain/events';
import type { EventEnvelope } from '../domain/envelope';
import { appendToJournal, readJournal } from '../infrastructure/journal';
import { newUuidV7 } from '../infrastructure/uuid-v7';
import { readVolumeLabel } from '../infrastructure/tape/volume-label-file';

const PER_EVENT = 2000;
const PER_SEGMENT = 50_000;

const envelope = (stream: string, version: number, event: DomainEvent): EventEnvelope => ({
  id: newUuidV7() as never,
  stream,
  version,
  type: event.type,
  schema: CURRENT_SCHEMA[event.type],
  at: new Date().toISOString(),
  data: event.data,
});

/**
 * Appends to the journal of the tape at `mount` (a tape added by `lto tape add`) one backup
 * job of `files` file entries in folders of 1000, with its segments and a completion: the
 * journal `lto backup` would write, without the segments (a catalog is rebuilt without them).
 */
export const writeSyntheticJournal = (mount: string, tape: string, files: number): void => {
  const archive = path.join(mount, 'LTO-ARCHIVE');
  const label = readVolumeLabel(archive);
  if (label._tag === 'Left') throw new Error('no label');
  const journalPath = path.join(archive, 'journal.ndjson');
  const read = readJournal(journalPath, label.right.hash);
  if (read._tag === 'Left') throw new Error('journal unreadable');
  let head = read.right.head;
  const job = newUuidV7();
  const stream = `job-${job}`;
  let version = 0;
  const append = (events: DomainEvent[]): void => {
    const appended = appendToJournal(journalPath, head, events.map((e) => envelope(stream, ++version, e)));
    if (appended._tag === 'Left') throw new Error(JSON.stringify(appended.left));
    head = appended.right.head;
  };
  // Ids here are built by the bench itself; the CLI decodes and checks every one when it reads them.
  const jobId = job as never;
  const tapeId = tape as never;
  append([{ type: 'JobStarted', data: { job: jobId, tape: tapeId, type: 'BACKUP', mode: 'FULL', encrypted: false, sources: ['/data'] } }]);
  let n = 0;
  for (let segment = 1; n < files; segment++) {
    const count = Math.min(PER_SEGMENT, files - n);
    const events: DomainEvent[] = [{ type: 'SegmentClosed', data: { job: jobId, segment, bytes: count * 5120, sha256: '0'.repeat(64), entries: count } }];
    for (let done = 0; done < count; done += PER_EVENT) {
      const entries: ArchivedEntry[] = [];
      for (let i = 0; i < Math.min(PER_EVENT, count - done); i++, n++) {
        entries.push({
          path: `/data/dir-${String(Math.floor(n / 1000)).padStart(4, '0')}/file-${n % 1000}.dat`,
          kind: 'file',
          size: 4096,
          mtimeNs: '1764000000123456789',
          mode: 0o644,
          offset: (n % PER_SEGMENT) * 5120 + 512,
          sha256: n.toString(16).padStart(64, '0'),
          uid: 1000,
          gid: 1000,
        });
      }
      events.push({ type: 'FilesArchived', data: { job: jobId, segment, entries } });
    }
    append(events);
  }
  append([{ type: 'JobCompleted', data: { job: jobId, files, bytesRead: files * 4096, bytesWritten: files * 5120, warnings: 0 } }]);
};

