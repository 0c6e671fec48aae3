import { visibleLength, type Style } from './style';

export type Align = 'left' | 'right';

export interface Column<Row> {
  readonly header: string;
  readonly value: (row: Row) => string;
  readonly align?: Align;
}

const pad = (text: string, width: number, align: Align): string => {
  const gap = ' '.repeat(Math.max(0, width - visibleLength(text)));
  return align === 'right' ? gap + text : text + gap;
};

/** A plain aligned table: bold header, two spaces between columns, no borders to copy around. */
export const renderTable = <Row>(rows: readonly Row[], columns: readonly Column<Row>[], style: Style): string => {
  const cells = rows.map((row) => columns.map((c) => c.value(row)));
  const widths = columns.map((c, i) => Math.max(visibleLength(c.header), ...cells.map((r) => visibleLength(r[i] ?? ''))));
  const line = (values: readonly string[]) =>
    values
      .map((v, i) => pad(v, widths[i] ?? 0, columns[i]?.align ?? 'left'))
      .join('  ')
      .trimEnd();
  const header = style.bold(line(columns.map((c) => c.header)));
  return [header, ...cells.map(line)].join('\n');
};

/** `key  value` lines with the keys aligned, for `show` commands. */
export const renderFields = (fields: readonly (readonly [string, string])[], style: Style): string => {
  const width = Math.max(...fields.map(([k]) => visibleLength(k)));
  return fields.map(([k, v]) => `${style.dim(pad(k, width, 'left'))}  ${v}`).join('\n');
};
