import { isRowsStatement, type Statement } from '../projection';

/** Rows per merged INSERT: a FilesArchived event's 18 values a row stay far below PostgreSQL's 65,535 parameters. */
export const ROWS_PER_INSERT = 1000;

/** `INSERT INTO t (cols) VALUES (row)`, optionally `ON CONFLICT DO NOTHING`: the one shape merged. */
const SINGLE_ROW = /^(\s*INSERT INTO \w+\s*\([^)]*\)\s*VALUES\s*)(\(.*\))(\s*ON CONFLICT DO NOTHING)?\s*$/s;

/**
 * Adjacent single-row INSERTs of the same text, merged into multi-row INSERTs (in their
 * order; nothing moves past another statement). On a server each statement is a round trip:
 * a FilesArchived event's 2,000 entry rows were 2,000 of them, now 2. The rows are the same
 * (a multi-row VALUES evaluates each row's subqueries as the single rows did, against the
 * rows earlier statements made; DO NOTHING skips a conflict within the batch as before).
 */
export const mergeInserts = (statements: readonly Statement[]): Statement[] => {
  const out: Statement[] = [];
  let run: { head: string; tuple: string; tail: string; sql: string; rows: number; params: Statement['params'][number][] } | undefined;
  const flush = () => {
    if (run !== undefined) out.push({ sql: run.rows === 1 ? run.sql : `${run.head}${Array.from({ length: run.rows }, () => run!.tuple).join(', ')}${run.tail}`, params: run.params });
    run = undefined;
  };
  for (const s of statements) {
    const m = isRowsStatement(s) ? null : SINGLE_ROW.exec(s.sql);
    if (m === null) {
      flush();
      out.push(s);
      continue;
    }
    if (run !== undefined && run.sql === s.sql && run.rows < ROWS_PER_INSERT) {
      run.rows += 1;
      run.params.push(...s.params);
      continue;
    }
    flush();
    run = { head: m[1]!, tuple: m[2]!, tail: m[3] ?? '', sql: s.sql, rows: 1, params: [...s.params] };
  }
  flush();
  return out;
};
