import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import bwipjs from 'bwip-js';
import { Command } from 'commander';
import type * as t from 'io-ts';
import { PathReporter } from 'io-ts/PathReporter';
import * as E from 'fp-ts/Either';
import { buildProgram } from '../../cli/program';
import { sandbox, REPO_ROOT, type CliResult, type Sandbox } from '../support/cli';
import { ErrorLine, SHAPES, type Shaped } from '../support/json-shapes';

/**
 * docs/JSON.md is the contract of every `--json` output. Each command runs here for real,
 * and its output must decode with the codec of its documented shape (test/support/json-shapes.ts),
 * start with `schema: 1`, and use only field names the doc's vocabulary table defines.
 * Every command that has --json must be covered, and every failure with --json must be
 * one `{"schema":1,"error":{code,message,exit}}` line on stderr.
 */

const PASSPHRASE = 'a passphrase for the contract test';

/** The field names of docs/JSON.md's vocabulary table (first column, each in backticks). */
const documentedFields = (): Set<string> => {
  const doc = fs.readFileSync(path.join(REPO_ROOT, 'docs', 'JSON.md'), 'utf8');
  const table = doc.slice(doc.indexOf('## Vocabulary'), doc.indexOf('## Commands'));
  const names = new Set<string>();
  for (const line of table.split('\n')) {
    const first = /^\| ([^|]+) \|/.exec(line)?.[1] ?? '';
    for (const m of first.matchAll(/`([A-Za-z]+)`/g)) names.add(m[1]!);
  }
  return names;
};

/** Field names used anywhere in `value`, but not inside payloads defined elsewhere (an event's `data`, LTFS's own `ltfs`). */
const fieldNames = (value: unknown, into = new Set<string>()): Set<string> => {
  if (Array.isArray(value)) for (const v of value) fieldNames(v, into);
  else if (typeof value === 'object' && value !== null) {
    for (const [k, v] of Object.entries(value)) {
      into.add(k);
      if (k !== 'data' && k !== 'ltfs') fieldNames(v, into);
    }
  }
  return into;
};

/** Every command (by its words) that takes --json, read from the real command tree. */
const commandsWithJson = (): string[] => {
  const io = { out: () => undefined, err: () => undefined, style: {} as never, errStyle: {} as never, env: {}, interactive: false };
  const found: string[] = [];
  const walk = (command: Command, words: string[]): void => {
    for (const sub of command.commands) {
      const here = [...words, sub.name()];
      if (sub.options.some((o) => o.long === '--json')) found.push(here.join(' '));
      walk(sub, here);
    }
  };
  walk(buildProgram(io, { exitCode: 0 }), []);
  return found.sort();
};

describe('one JSON vocabulary: every --json output follows docs/JSON.md (real CLI)', () => {
  let box: Sandbox;
  const vocabulary = documentedFields();
  const checked = new Set<Shaped>();
  let tapeMount = '';
  let secretMount = '';
  let src = '';
  const env = { LTO_PASSPHRASE: PASSPHRASE, LTO_NEW_PASSPHRASE: `${PASSPHRASE} 2`, LTO_KEY_PASSPHRASE: PASSPHRASE };

  /** One value checked against its documented shape and the vocabulary. */
  const conforms = (shape: Shaped, value: unknown, what: string): void => {
    const codec: t.Decoder<unknown, unknown> = SHAPES[shape];
    const decoded = codec.decode(value);
    assert.ok(E.isRight(decoded), `${what}: ${PathReporter.report(decoded).join('\n')}\n${JSON.stringify(value, null, 2).slice(0, 3000)}`);
    assert.equal(Object.keys(value as object)[0], 'schema', `${what}: schema comes first`);
    const unknown = [...fieldNames(value)].filter((name) => !vocabulary.has(name));
    assert.deepEqual(unknown, [], `${what}: fields not in docs/JSON.md's vocabulary`);
    checked.add(shape);
  };

  /** Runs `lto ARGS --json`, expects `exit`, and checks stdout against `shape`. */
  const run = (shape: Shaped, args: readonly string[], exit = 0): Record<string, unknown> => {
    const result = box.lto([...args, '--json'], env);
    assert.equal(result.status, exit, `lto ${args.join(' ')}: ${result.stderr}`);
    const value: unknown = JSON.parse(result.stdout);
    conforms(shape, value, `lto ${args.join(' ')} --json`);
    return value as Record<string, unknown>;
  };

  /** A failure with --json: nothing on stdout, one JSON error line on stderr, its exit code the process's. */
  const fails = (args: readonly string[], code: string, exit: number): void => {
    const result: CliResult = box.lto([...args, '--json'], env);
    assert.equal(result.status, exit, `lto ${args.join(' ')}: ${result.stderr}`);
    assert.equal(result.stdout, '');
    const lines = result.stderr.split('\n').filter((l) => l.startsWith('{'));
    assert.equal(lines.length, 1, result.stderr);
    const line: unknown = JSON.parse(lines[0]!);
    assert.ok(E.isRight(ErrorLine.decode(line)), PathReporter.report(ErrorLine.decode(line)).join('\n'));
    assert.deepEqual({ ...(line as { error: object }).error, message: undefined }, { code, message: undefined, exit });
    assert.deepEqual([...fieldNames(line)].filter((n) => !vocabulary.has(n)), []);
  };

  before(() => {
    box = sandbox();
    tapeMount = box.mountPoint('tape');
    secretMount = box.mountPoint('secret');
    src = path.join(box.root, 'src');
    fs.mkdirSync(path.join(src, 'photos'), { recursive: true });
    fs.writeFileSync(path.join(src, 'photos', 'a.jpg'), 'picture a');
    fs.writeFileSync(path.join(src, 'notes.txt'), 'some notes');
    fs.symlinkSync('notes.txt', path.join(src, 'link'));
  });
  after(() => box.cleanup());

  it('tapes, backups, verify, restore, browse, search, jobs and report', () => {
    run('tape add', ['tape', 'add', '000012L8', '--mount', tapeMount, '--description', 'contract']);
    run('tape add', ['tape', 'add', '000013L8', '--mount', secretMount, '--encrypt', 'passphrase']);
    const dry = run('backup', ['backup', '000012L8', src, '--mount', tapeMount, '--dry-run']);
    assert.equal(dry['status'], 'PLANNED');
    const full = run('backup', ['backup', '000012L8', src, '--mount', tapeMount]);
    assert.equal(full['mode'], 'FULL');
    fs.writeFileSync(path.join(src, 'notes.txt'), 'changed notes');
    const incremental = run('backup', ['backup', '000012L8', src, '--mount', tapeMount, '--incremental']);
    assert.equal(incremental['mode'], 'INCREMENTAL');
    const again = box.lto(['backup', '000012L8', src, '--mount', tapeMount, '--full', '--json'], { ...env, LTO_PROGRESS_MS: '0' });
    assert.equal(again.status, 0, again.stderr);
    conforms('backup', JSON.parse(again.stdout), 'lto backup --full --json');
    const progress = again.stderr.split('\n').filter((l) => l.startsWith('{'));
    assert.ok(progress.length >= 2, `progress lines on stderr: ${again.stderr}`);
    progress.forEach((line, i) => conforms('progress', JSON.parse(line), `backup --json progress line ${i + 1}`));
    run('backup', ['backup', '000013L8', src, '--mount', secretMount]);
    assert.equal(run('verify', ['verify', '000012L8', '--mount', tapeMount])['verdict'], 'PASSED');
    assert.equal(run('verify', ['verify', '000012L8', '--mount', tapeMount, '--quick'])['mode'], 'QUICK');
    assert.equal(run('verify', ['verify', '000013L8', '--mount', secretMount, '--no-key'])['mode'], 'NO_KEY');
    run('restore', ['restore', '000012L8', '--to', path.join(box.root, 'dry'), '--mount', tapeMount, '--dry-run']);
    const restored = run('restore', ['restore', '000012L8', '--to', path.join(box.root, 'out'), '--mount', tapeMount]);
    assert.equal(restored['status'], 'SUCCESS');
    run('browse', ['browse', '000012L8']);
    const inside = run('browse', ['browse', '000012L8', src]);
    assert.ok(Array.isArray(inside['entries']) && inside['entries'].length === 3, 'photos, notes.txt and link');
    run('search', ['search', 'notes']);
    run('search', ['search', '*.jpg', '--tape', '000012L8']);
    const jobs = run('jobs', ['jobs']);
    assert.ok(Array.isArray(jobs['jobs']) && jobs['jobs'].length >= 8);
    run('jobs', ['jobs', '--tape', '000013L8']);
    run('tape add', ['tape', 'add', '000014L8', '--mount', box.mountPoint('never-verified')]);
    const copied = run('copy', ['copy', '000012L8', '000014L8', '--mount-src', tapeMount, '--mount-dst', box.mountPoint('never-verified'), '--job', String(full['job'])]);
    assert.equal(copied['status'], 'SUCCESS');
    run('jobs', ['jobs', '--tape', '000014L8']);
    const report = run('report', ['report'], 1);
    assert.ok(JSON.stringify(report).includes('"level":"WARNING"'), 'a never verified tape has a reason');
  });

  it('tape show, history, describe, keys, labels', () => {
    run('tape list', ['tape', 'list']);
    run('tape show', ['tape', 'show', '000012L8', '--mount', tapeMount]);
    run('tape show', ['tape', 'show', '000013L8']);
    run('tape describe', ['tape', 'describe', '000012L8', 'described', '--mount', tapeMount]);
    const history = run('tape history', ['tape', 'history', '000012L8', '--mount', tapeMount]);
    assert.equal(history['tape'], '000012L8');
    run('tape keys', ['tape', 'keys', '000013L8']);
    run('tape add-slot', ['tape', 'add-slot', '000013L8', '--passphrase', '--mount', secretMount]);
    run('label create', ['label', 'create', 'offsite', '--color', '#336699']);
    run('label assign', ['label', 'assign', '000012L8', 'offsite', '--mount', tapeMount]);
    run('label list', ['label', 'list']);
    run('tape list', ['tape', 'list', '--label', 'offsite']);
    run('label unassign', ['label', 'unassign', '000012L8', 'offsite', '--mount', tapeMount]);
    run('label delete', ['label', 'delete', 'offsite']);
    run('set create', ['set', 'create', 'photos', '--copies', '2', '--description', 'family photos']);
    run('set add', ['set', 'add', 'photos', '000012L8', '--mount', tapeMount]);
    run('tape move', ['tape', 'move', '000012L8', '--to', 'Vault B', '--mount', tapeMount]);
    run('set show', ['set', 'show', 'photos']);
    run('set list', ['set', 'list']);
    run('tape list', ['tape', 'list', '--set', 'photos']);
    run('set create', ['set', 'create', 'offsite']);
    run('set add', ['set', 'add', 'offsite', '000014L8']);
    const sets = run('copy', ['copy', '--set', 'photos', '--to-set', 'offsite', '--mount', tapeMount, '--mount', box.mountPoint('never-verified')]);
    assert.equal(sets['status'], 'SUCCESS');
    run('tape add', ['tape', 'add', '000016L9', '--mount', box.mountPoint('newer')]);
    const migrated = run('migrate', ['migrate', '000014L8', '--to', '000016L9', '--mount', box.mountPoint('never-verified'), '--mount', box.mountPoint('newer')]);
    assert.equal(migrated['migrated'], true);
  });

  it('catalog, config, logs, recover, keys and barcodes', async () => {
    run('catalog rebuild', ['catalog', 'rebuild']);
    run('catalog check', ['catalog', 'check']);
    const copied = run('catalog copy', ['catalog', 'copy', '--to', path.join(box.root, 'copied.db')]);
    assert.equal(copied['consistent'], true);
    run('config show', ['config', 'show']);
    const logs = box.lto(['logs', 'export', '--json'], env);
    assert.equal(logs.status, 0, logs.stderr);
    const lines = logs.stdout.split('\n').filter((l) => l !== '');
    assert.ok(lines.length > 10);
    lines.forEach((line, i) => conforms('logs export', JSON.parse(line), `logs export --json line ${i + 1}`));
    const fresh = path.join(box.root, 'fresh.db');
    const recovered = run('recover', ['--db', fresh, 'recover', '--mount', tapeMount, '--mount', secretMount]);
    assert.equal(recovered['complete'], true);
    run('key generate', ['key', 'generate', '--out', path.join(box.root, 'alice')]);
    run('barcode print', ['barcode', 'print', '000012L8', '000014L8', '--pdf', path.join(box.root, 'labels.pdf')]);
    const png = await bwipjs.toBuffer({ bcid: 'code39', text: '000012L8', scale: 3, height: 12, paddingwidth: 20, paddingheight: 10, backgroundcolor: 'ffffff' });
    const picture = path.join(box.root, 'label.png');
    fs.writeFileSync(picture, png);
    assert.equal(run('barcode scan', ['barcode', 'scan', picture])['tape'], '000012L8');
    assert.equal((run('barcode scan', ['barcode', 'scan', picture, '--all'])['barcodes'] as { tape: string }[])[0]?.tape, '000012L8');
    run('tape add', ['tape', 'add', '000015L8', '--mount', box.mountPoint('to-forget')]);
    assert.equal(run('tape retire', ['tape', 'retire', '000015L8'])['retired'], true);
    assert.equal(run('tape forget', ['tape', 'forget', '000015L8', '--yes'])['forgotten'], true);
  });

  it('a failure with --json is one error line on stderr, with the exit code it exits with', () => {
    fails(['tape', 'show', '000099L8'], 'TapeNotRegistered', 3);
    fails(['backup', '000012L8', path.join(box.root, 'nowhere'), '--mount', tapeMount], 'SourceMissing', 2);
    fails(['tape', 'add', 'BAD'], 'MalformedBarcode', 2);
    fails(['restore', '000012L8'], 'MissingMandatoryOptionValue', 2);
    fails(['jobs', '--no-such-option'], 'UnknownOption', 2);
    fails(['verify', '000012L8', '--mount', path.join(box.root, 'not-there')], 'MountMissing', 3);
  });

  it('covers every command that has --json, and every documented shape', () => {
    assert.deepEqual(commandsWithJson(), Object.keys(SHAPES).filter((shape) => shape !== 'progress').sort());
    assert.deepEqual([...checked].sort(), Object.keys(SHAPES).sort(), 'a shape no command was checked against');
  });
});
