import type Database from 'better-sqlite3';
import * as t from 'io-ts';
import { describeErrors } from '../../domain/events';
import type { LabelQueries, LabelView, TapeLabelView } from '../ports/label-queries';

const LabelRow = t.type({ name: t.string, color: t.string, created_at: t.string, tapes: t.number });
const TapeLabelRow = t.type({ tape: t.string, label: t.string, color: t.string });

const decode = <C extends t.Mixed>(codec: C, row: unknown, table: string): t.TypeOf<C> => {
  const decoded = codec.decode(row);
  if (decoded._tag === 'Left') throw new Error(`catalog table ${table}: ${describeErrors(decoded.left).join('; ')}`);
  return decoded.right;
};

/** Labels as the SQLite catalog holds them. */
export class SqliteLabelQueries implements LabelQueries {
  constructor(private readonly db: Database.Database) {}

  async labels(): Promise<LabelView[]> {
    return this.db
      .prepare(
        `SELECT l.name, l.color, l.created_at, (SELECT count(*) FROM tape_labels tl WHERE tl.label = l.name) AS tapes
         FROM labels l ORDER BY l.name`,
      )
      .all()
      .map((row) => {
        const r = decode(LabelRow, row, 'labels');
        return { name: r.name, color: r.color, createdAt: r.created_at, tapes: r.tapes };
      });
  }

  /** Every tape's labels: tapes without labels are absent. */
  async byTape(): Promise<ReadonlyMap<string, readonly TapeLabelView[]>> {
    const rows = this.db
      .prepare(
        `SELECT tl.tape, tl.label, coalesce(l.color, '#808080') AS color
         FROM tape_labels tl LEFT JOIN labels l ON l.name = tl.label ORDER BY tl.tape, tl.label`,
      )
      .all();
    const out = new Map<string, TapeLabelView[]>();
    for (const row of rows) {
      const r = decode(TapeLabelRow, row, 'tape_labels');
      const list = out.get(r.tape) ?? [];
      list.push({ name: r.label, color: r.color });
      out.set(r.tape, list);
    }
    return out;
  }

  async ofTape(tape: string): Promise<readonly TapeLabelView[]> {
    return (await this.byTape()).get(tape) ?? [];
  }

  /** The tapes that carry a label. */
  async tapesWith(label: string): Promise<string[]> {
    return this.db
      .prepare('SELECT tape FROM tape_labels WHERE label = ? ORDER BY tape')
      .pluck()
      .all(label)
      .filter((v): v is string => typeof v === 'string');
  }
}
