import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { sandbox, type Sandbox } from '../support/cli';

interface ReportJson {
  tapes: { tape: string; health: string; content: { files: number; bytes: number; newestBackup: { job: string; status: string; at: string } | null } }[];
}

const GOOD = '000901L8';
const BAD = '000902L8';

describe('lto report for monitoring: exit codes, severity order, content', () => {
  let box: Sandbox;
  let src: string;
  before(() => {
    box = sandbox();
    src = path.join(box.root, 'src');
    fs.mkdirSync(src);
    fs.writeFileSync(path.join(src, 'a.txt'), 'alpha');
    fs.writeFileSync(path.join(src, 'b.txt'), 'bravo bravo');
    assert.equal(box.lto(['tape', 'add', GOOD, '--mount', box.mountPoint('good')]).status, 0);
    assert.equal(box.lto(['backup', GOOD, src]).status, 0);
  });
  after(() => box.cleanup());

  it('a tape never verified is a warning: exit 1 (0 with --fail-on critical or never); its content is shown', () => {
    assert.equal(box.lto(['report']).status, 1);
    assert.equal(box.lto(['report', '--fail-on', 'critical']).status, 0);
    assert.equal(box.lto(['report', '--fail-on', 'never']).status, 0);
    const r = box.lto(['report', '--json']);
    assert.equal(r.status, 1);
    const tape = (JSON.parse(r.stdout) as ReportJson).tapes[0]!;
    assert.equal(tape.health, 'WARNING');
    assert.equal(tape.content.files, 2);
    assert.equal(tape.content.bytes, 16);
    assert.equal(tape.content.newestBackup?.status, 'SUCCESS');
    assert.match(tape.content.newestBackup?.at ?? '', /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    assert.match(box.lto(['report']).stdout, /000901L8 +warning .* 2 \(16 B\)/);
  });

  it('verified, every tape good: exit 0', () => {
    assert.equal(box.lto(['verify', GOOD]).status, 0);
    assert.equal(box.lto(['report']).status, 0);
  });

  it('a tape whose verify found damage is critical: exit 2 (also with --fail-on critical), and it comes first', () => {
    const mount = box.mountPoint('bad');
    assert.equal(box.lto(['tape', 'add', BAD, '--mount', mount]).status, 0);
    assert.equal(box.lto(['backup', BAD, src]).status, 0);
    const jobs = path.join(mount, 'LTO-ARCHIVE', 'jobs');
    const segment = path.join(jobs, fs.readdirSync(jobs)[0]!, '1.tar');
    fs.chmodSync(segment, 0o644);
    const bytes = fs.readFileSync(segment);
    bytes[bytes.indexOf('alpha')] = 'A'.charCodeAt(0);
    fs.writeFileSync(segment, bytes);
    assert.equal(box.lto(['verify', BAD]).status, 4);
    const r = box.lto(['report']);
    assert.equal(r.status, 2);
    assert.deepEqual([...r.stdout.matchAll(/^(\d{6}L\d)/gm)].map((m) => m[1]), [BAD, GOOD]);
    assert.equal(box.lto(['report', '--fail-on', 'critical']).status, 2);
    assert.equal(box.lto(['report', '--fail-on', 'never']).status, 0);
  });

  it('--fail-on takes only warning, critical or never', () => {
    const r = box.lto(['report', '--fail-on', 'sometimes']);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /^error: --fail-on "sometimes": expected warning, critical or never/);
  });
});
