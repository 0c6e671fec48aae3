import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { csvField } from '../../cli/commands/logs';
import { sandbox, type Sandbox } from '../support/cli';

interface AuditJson {
  schema: number;
  at: string;
  tape: string;
  job: string | null;
  type: string;
  summary: string;
  seq: number | null;
  state: string;
  event: string;
}

/** A small RFC 4180 reader: quoted fields, doubled quotes, CRLF rows. */
const parseCsv = (text: string): string[][] => {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\r' && text[i + 1] === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
      i++;
    } else field += c;
  }
  return rows;
};

describe('lto logs export', () => {
  let box: Sandbox;
  before(() => {
    box = sandbox();
    const src = path.join(box.root, 'src');
    fs.mkdirSync(src);
    fs.writeFileSync(path.join(src, 'a.txt'), 'a');
    assert.equal(box.lto(['tape', 'add', '000012L5', '--mount', box.mountPoint('a'), '--description', '=HYPERLINK("x"), "quoted"']).status, 0);
    assert.equal(box.lto(['tape', 'add', '000013L5', '--mount', box.mountPoint('b')]).status, 0);
    assert.equal(box.lto(['backup', '000012L5', src]).status, 0);
    assert.equal(box.lto(['label', 'create', 'archive']).status, 0);
    assert.equal(box.lto(['label', 'assign', '000013L5', 'archive']).status, 0);
  });
  after(() => box.cleanup());

  const jsonLines = (...args: string[]): AuditJson[] => {
    const r = box.lto(['logs', 'export', '--json', ...args]);
    assert.equal(r.status, 0, r.stderr);
    return r.stdout.trim().split('\n').map((l) => JSON.parse(l) as AuditJson);
  };

  it('exports every event of every tape as JSON lines, oldest first, with tape, job, type and a summary', () => {
    const all = jobsAndTypes(jsonLines());
    assert.deepEqual(all.filter(([tape]) => tape === '000013L5').map(([, type]) => type), ['JobStarted', 'TapeInitialised', 'JobCompleted', 'TapeLabelled']);
    assert.ok(all.some(([tape, type]) => tape === '000012L5' && type === 'FilesArchived'));
    const records = jsonLines();
    const times = records.map((r) => Date.parse(r.at));
    assert.deepEqual(times, [...times].sort((a, b) => a - b));
    const backupStart = records.find((r) => r.type === 'JobStarted' && r.summary.includes('BACKUP'))!;
    assert.equal(backupStart.tape, '000012L5');
    assert.match(backupStart.summary, /^job [0-9a-f]{8} BACKUP FULL started$/);
    assert.equal(records.find((r) => r.type === 'FilesArchived')!.job, backupStart.job);
    assert.ok(records.every((r) => r.schema === 1 && !('time' in r)), 'JSON times are UTC only (at)');
    assert.equal(records.find((r) => r.type === 'TapeLabelled')!.summary, 'label archive assigned');
  });

  it('narrows to one tape with --tape', () => {
    const one = jsonLines('--tape', '000013l5');
    assert.ok(one.length === 4 && one.every((r) => r.tape === '000013L5'));
    assert.deepEqual(one.map((r) => r.seq), [1, 2, 3, 4]);
  });

  it('writes the same records as CSV a spreadsheet opens safely', () => {
    const file = path.join(box.root, 'audit.csv');
    const r = box.lto(['logs', 'export', '--csv', file]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /event\(s\) written to/);
    const rows = parseCsv(fs.readFileSync(file, 'utf8'));
    assert.deepEqual(rows[0], ['time', 'at', 'tape', 'job', 'type', 'summary', 'seq', 'state', 'event']);
    assert.match(rows[1]![0]!, /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d [+-]\d\d:\d\d$/, 'the CSV keeps a local time for spreadsheets');
    assert.equal(rows.length - 1, jsonLines().length);
    const init = rows.find((row) => row[2] === '000012L5' && row[4] === 'TapeInitialised')!;
    // The description starts with "=": kept as text, not a formula, quotes intact.
    assert.equal(init[5], 'initialised as L5: "=HYPERLINK("x"), "quoted""');
    // CSV to standard output is the same table.
    const piped = parseCsv(`${box.lto(['logs', 'export', '--csv', '-', '--tape', '000013L5']).stdout}\r\n`);
    assert.deepEqual(piped.slice(1).map((row) => row[4]), ['JobStarted', 'TapeInitialised', 'JobCompleted', 'TapeLabelled']);
  });

  it('quotes CSV fields and keeps a cell that starts like a formula as text', () => {
    assert.equal(csvField('=1+1'), "'=1+1");
    assert.equal(csvField('-2'), "'-2");
    assert.equal(csvField('a,"b"'), '"a,""b"""');
    assert.equal(csvField(null), '');
    assert.equal(csvField(7), '7');
  });

  it('needs exactly one format', () => {
    assert.equal(box.lto(['logs', 'export']).status, 2);
    assert.equal(box.lto(['logs', 'export', '--json', '--csv', '-']).status, 2);
  });
});

const jobsAndTypes = (records: readonly AuditJson[]): [string, string][] => records.map((r) => [r.tape, r.type]);
