import type Database from 'better-sqlite3';
import * as E from 'fp-ts/Either';
import * as t from 'io-ts';
import { VolumeLabel } from '../../domain/volume-label';
import type { ContactMemo, ContactMemos } from '../ports/contact-memos';

const Row = t.type({
  ltfs_volume_uuid: t.string,
  index_generation: t.number,
  index_time: t.string,
  label_json: t.string,
  label_hash: t.string,
  label_stamp: t.string,
  journal_stamp: t.string,
  head_seq: t.number,
  head_hash: t.string,
});

const parseLabel = (json: string): VolumeLabel | undefined => {
  try {
    const decoded = VolumeLabel.decode(JSON.parse(json));
    return E.isRight(decoded) ? decoded.right : undefined;
  } catch {
    return undefined;
  }
};

/** Contact memos in the SQLite catalog (table ltfs_contact_memos, made by projections/schema.ts). */
export class SqliteContactMemos implements ContactMemos {
  private readonly select: Database.Statement;
  private readonly upsert: Database.Statement;
  private readonly remove: Database.Statement;

  constructor(db: Database.Database) {
    this.select = db.prepare('SELECT * FROM ltfs_contact_memos WHERE ltfs_volume_uuid = ?');
    this.upsert = db.prepare(
      `INSERT OR REPLACE INTO ltfs_contact_memos (ltfs_volume_uuid, index_generation, index_time, label_json, label_hash,
         label_stamp, journal_stamp, head_seq, head_hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.remove = db.prepare('DELETE FROM ltfs_contact_memos WHERE ltfs_volume_uuid = ?');
  }

  async get(ltfsVolumeUuid: string): Promise<ContactMemo | undefined> {
    const row = Row.decode(this.select.get(ltfsVolumeUuid));
    if (E.isLeft(row)) return undefined;
    const r = row.right;
    const label = parseLabel(r.label_json);
    if (label === undefined) return undefined;
    return {
      ltfsVolumeUuid: r.ltfs_volume_uuid,
      indexGeneration: r.index_generation,
      indexTime: r.index_time,
      label,
      labelHash: r.label_hash,
      labelStamp: r.label_stamp,
      journalStamp: r.journal_stamp,
      head: { seq: r.head_seq, hash: r.head_hash },
    };
  }

  async save(m: ContactMemo): Promise<void> {
    this.upsert.run(m.ltfsVolumeUuid, m.indexGeneration, m.indexTime, JSON.stringify(m.label), m.labelHash, m.labelStamp, m.journalStamp, m.head.seq, m.head.hash);
  }

  async forget(ltfsVolumeUuid: string): Promise<void> {
    this.remove.run(ltfsVolumeUuid);
  }
}
