import type { DomainEvent } from '../domain/events';
import type { StoredEvent } from '../domain/envelope';
import { sql, type Projection, type Statement } from './projection';

/**
 * Copies of backup jobs on other tapes (`lto copy`): one row per COPY job, naming the
 * original it holds byte for byte. A copy counts once its job succeeded (the `jobs`
 * table says so); a tape recovered alone still says what its copies are copies of.
 */
export const copiesProjection: Projection = {
  name: 'copies',
  schema: [
    `CREATE TABLE IF NOT EXISTS job_copies (
       job TEXT PRIMARY KEY, tape TEXT NOT NULL, original_job TEXT NOT NULL, original_tape TEXT NOT NULL
     )`,
    'CREATE INDEX IF NOT EXISTS job_copies_by_original ON job_copies (original_job)',
  ],
  tables: [{ name: 'job_copies', key: ['job'] }],
  project: (event: DomainEvent, _stored: StoredEvent): readonly Statement[] => {
    switch (event.type) {
      case 'JobStarted': {
        const d = event.data;
        if (d.copyOf === undefined) return [];
        return [
          sql(
            'INSERT INTO job_copies (job, tape, original_job, original_tape) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING',
            d.job, d.tape, d.copyOf.job, d.copyOf.tape,
          ),
        ];
      }
      case 'TapeForgotten':
        return [sql('DELETE FROM job_copies WHERE tape = ?', event.data.tape)];
      default:
        return [];
    }
  },
};
