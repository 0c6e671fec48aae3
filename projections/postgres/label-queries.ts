import * as t from 'io-ts';
import type { LabelView, TapeLabelView } from '../ports/label-queries';
import { rawRows, rows, type PgQueryable } from './pg-sql';
import { decodeRow } from './tape-queries';

const LabelRow = t.type({ name: t.string, color: t.string, created_at: t.string, tapes: t.number });
const TapeLabelRow = t.type({ tape: t.string, label: t.string, color: t.string });

/** Labels as the PostgreSQL catalog holds them (LabelQueries, async). */
export class PgLabelQueries {
  constructor(private readonly db: PgQueryable) {}

  async labels(): Promise<LabelView[]> {
    const found = await rows(
      this.db,
      `SELECT l.name, l.color, l.created_at, (SELECT count(*) FROM tape_labels tl WHERE tl.label = l.name) AS tapes FROM labels l ORDER BY l.name`,
    );
    return found.map((row) => {
      const r = decodeRow(LabelRow, row, 'labels');
      return { name: r.name, color: r.color, createdAt: r.created_at, tapes: r.tapes };
    });
  }

  /** Every tape's labels: tapes without labels are absent. */
  async byTape(): Promise<ReadonlyMap<string, readonly TapeLabelView[]>> {
    const found = await rows(
      this.db,
      `SELECT tl.tape, tl.label, coalesce(l.color, '#808080') AS color FROM tape_labels tl LEFT JOIN labels l ON l.name = tl.label ORDER BY tl.tape, tl.label`,
    );
    const out = new Map<string, TapeLabelView[]>();
    for (const row of found) {
      const r = decodeRow(TapeLabelRow, row, 'tape_labels');
      out.set(r.tape, [...(out.get(r.tape) ?? []), { name: r.label, color: r.color }]);
    }
    return out;
  }

  async ofTape(tape: string): Promise<readonly TapeLabelView[]> {
    return (await this.byTape()).get(tape) ?? [];
  }

  /** The tapes that carry a label. */
  async tapesWith(label: string): Promise<string[]> {
    return (await rawRows(this.db, 'SELECT tape FROM tape_labels WHERE label = $1 ORDER BY tape', [label])).map(([v]) => v).filter((v): v is string => typeof v === 'string');
  }
}
