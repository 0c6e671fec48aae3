import type { DomainEvent } from '../domain/events';
import type { StoredEvent } from '../domain/envelope';
import { inList, sql, type Projection, type Statement } from './projection';

/**
 * Jobs that span tapes, and the files split across them. `span_parts` holds every part a
 * journal names, not only those whose own journal was read: a tape recovered alone still
 * says which tapes hold the rest (its start names the parts before it, its end the next).
 * `file_extents` marks the catalogued entries that are pieces of a file, by where their
 * bytes lie (job, segment, offset), with where the piece starts in the file.
 */
export const spansProjection: Projection = {
  name: 'spans',
  schema: [
    `CREATE TABLE IF NOT EXISTS span_parts (
       span TEXT NOT NULL, part INTEGER NOT NULL, tape TEXT NOT NULL, job TEXT NOT NULL, PRIMARY KEY (span, part)
     )`,
    'CREATE UNIQUE INDEX IF NOT EXISTS span_parts_by_job ON span_parts (job)',
    `CREATE TABLE IF NOT EXISTS file_extents (
       job TEXT NOT NULL, segment INTEGER NOT NULL, offset INTEGER NOT NULL, file_offset INTEGER NOT NULL, file_size INTEGER NOT NULL,
       PRIMARY KEY (job, segment, offset)
     )`,
  ],
  tables: [
    { name: 'span_parts', key: ['span', 'part'] },
    { name: 'file_extents', key: ['job', 'segment', 'offset'] },
  ],
  project: (event: DomainEvent, _stored: StoredEvent): readonly Statement[] => {
    switch (event.type) {
      case 'JobStarted': {
        const d = event.data;
        if (d.span === undefined) return [];
        const span = d.span;
        return [
          ...span.previous.map((p, i) => part(span.id, i + 1, p.tape, p.job)),
          part(span.id, span.part, d.tape, d.job),
        ];
      }
      case 'JobCompleted': {
        const next = event.data.next;
        if (next === undefined) return [];
        return [
          sql(
            'INSERT INTO span_parts (span, part, tape, job) SELECT span, part + 1, ?, ? FROM span_parts WHERE job = ? ON CONFLICT DO NOTHING',
            next.tape, next.job, event.data.job,
          ),
        ];
      }
      case 'FilesArchived': {
        const { job, segment } = event.data;
        return event.data.entries.flatMap((e) =>
          e.extent === undefined || e.offset === undefined
            ? []
            : [sql('INSERT INTO file_extents (job, segment, offset, file_offset, file_size) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING', job, segment, e.offset, e.extent.offset, e.extent.fileSize)],
        );
      }
      case 'SegmentsLost':
        return [
          sql(`DELETE FROM file_extents WHERE job = ? AND segment IN (${inList(event.data.segments)})`, event.data.job, ...event.data.segments),
        ];
      case 'TapeForgotten':
        // A piece of a split file belongs to a part of a span: its extents go with the tape's parts, first.
        return [
          sql('DELETE FROM file_extents WHERE job IN (SELECT job FROM span_parts WHERE tape = ?)', event.data.tape),
          sql('DELETE FROM span_parts WHERE tape = ?', event.data.tape),
        ];
      default:
        return [];
    }
  },
};

const part = (span: string, number: number, tape: string, job: string): Statement =>
  sql('INSERT INTO span_parts (span, part, tape, job) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING', span, number, tape, job);
