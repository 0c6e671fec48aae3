import type { DomainEvent } from '../domain/events';
import type { StoredEvent } from '../domain/envelope';
import { sql, type Projection, type Statement } from './projection';

/**
 * `labels`: one row per defined label (name, colour); `tape_labels`: which tape carries
 * which label. An assignment read back from a tape defines its label if the catalog
 * does not know it (recovery from the tape alone keeps the colour).
 */
export const labelsProjection: Projection = {
  name: 'labels',
  schema: [
    `CREATE TABLE IF NOT EXISTS labels (
       name TEXT PRIMARY KEY,
       color TEXT NOT NULL,
       created_at TEXT NOT NULL
     )`,
    `CREATE TABLE IF NOT EXISTS tape_labels (
       tape TEXT NOT NULL,
       label TEXT NOT NULL,
       assigned_at TEXT NOT NULL,
       PRIMARY KEY (tape, label)
     )`,
    'CREATE INDEX IF NOT EXISTS tape_labels_by_label ON tape_labels (label, tape)',
  ],
  tables: [
    { name: 'labels', key: ['name'] },
    { name: 'tape_labels', key: ['tape', 'label'] },
  ],
  project: (event: DomainEvent, stored: StoredEvent): readonly Statement[] => {
    switch (event.type) {
      case 'LabelCreated':
        return [
          sql(
            `INSERT INTO labels (name, color, created_at) VALUES (?, ?, ?)
             ON CONFLICT(name) DO UPDATE SET color = excluded.color, created_at = excluded.created_at`,
            event.data.label, event.data.color, stored.at,
          ),
        ];
      case 'LabelDeleted':
        return [sql('DELETE FROM labels WHERE name = ?', event.data.label)];
      case 'TapeLabelled':
        return [
          sql('INSERT INTO labels (name, color, created_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING', event.data.label, event.data.color, stored.at),
          sql('INSERT INTO tape_labels (tape, label, assigned_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING', event.data.tape, event.data.label, stored.at),
        ];
      case 'TapeUnlabelled':
        return [sql('DELETE FROM tape_labels WHERE tape = ? AND label = ?', event.data.tape, event.data.label)];
      case 'TapeForgotten':
        return [sql('DELETE FROM tape_labels WHERE tape = ?', event.data.tape)];
      default:
        return [];
    }
  },
};
