import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { refused, sandbox, type CliResult, type Sandbox } from '../support/cli';
import { Pty } from '../support/pty';
import { treeFacts } from '../support/trees';

const SRC = '000701L8';
const DST = '000702L8';
const OWN_KEY = '000703L8';
const PLAIN = '000704L8';
const OWN_KEY_SET = '000706L8';
const PASSPHRASE = 'correct horse battery';
const WITH_KEY = { LTO_PASSPHRASE: PASSPHRASE };

interface CopyJson {
  status: string;
  jobs: { original: string; copy: string; status: string }[];
}

const segmentsOf = (mount: string, job: string): string[] => {
  const dir = path.join(mount, 'LTO-ARCHIVE', 'jobs', job);
  return fs.readdirSync(dir).map((name) => path.join(dir, name)).sort();
};

/**
 * Copies of encrypted tapes (issue 19, item 1), with the real CLI on folder tapes: the
 * copy tape takes the original's data key (`tape add DST --key-of SRC`, the original's
 * slots bound to DST's id), so a copy keeps every sealed byte and opens with the same
 * passphrase, even recovered alone.
 */
describe('copies of encrypted tapes: same data key, slots bound to the copy tape', () => {
  let box: Sandbox;
  let source: string;
  let srcMount: string;
  let dstMount: string;
  let job: string;
  const ok = (r: CliResult): CliResult => {
    assert.equal(r.status, 0, r.stderr);
    return r;
  };

  before(() => {
    box = sandbox();
    source = path.join(box.root, 'source');
    fs.mkdirSync(path.join(source, 'letters'), { recursive: true });
    for (let i = 0; i < 12; i++) fs.writeFileSync(path.join(source, 'letters', `secret-${i}.txt`), `letter ${i} `.repeat(2000));
    srcMount = box.mountPoint('src');
    dstMount = box.mountPoint('dst');
    ok(box.lto(['tape', 'add', SRC, '--mount', srcMount, '--encrypt', 'passphrase'], WITH_KEY));
    job = (JSON.parse(ok(box.lto(['backup', SRC, source, '--mount', srcMount, '--json'], WITH_KEY)).stdout) as { job: string }).job;
  });
  after(() => box.cleanup());

  it('tape add --key-of binds the original\'s slots to the new tape: the same passphrase opens it', () => {
    const added = ok(box.lto(['tape', 'add', DST, '--mount', dstMount, '--key-of', SRC, '--json'], WITH_KEY));
    assert.equal((JSON.parse(added.stdout) as { keySlots: number }).keySlots, 1);
    const volume = (mount: string) => JSON.parse(fs.readFileSync(path.join(mount, 'LTO-ARCHIVE', 'volume.json'), 'utf8')) as { encryption: { slots: { id: string; wrap: { sealed: string } }[] } };
    const [original] = volume(srcMount).encryption.slots;
    const [bound] = volume(dstMount).encryption.slots;
    assert.equal(bound?.id, original?.id, 'the same slot');
    assert.notEqual(bound?.wrap.sealed, original?.wrap.sealed, 'wrapped again, for the other tape id');
    refused(box.lto(['tape', 'add', OWN_KEY, '--mount', box.mountPoint('wrong'), '--key-of', SRC], { LTO_PASSPHRASE: 'not the passphrase' }), 2, /^error: wrong passphrase for tape 000701L8: .*nothing was written$/);
  });

  it('copies an encrypted tape byte for byte: names and hashes stay sealed on the copy', () => {
    const copied = ok(box.lto(['copy', SRC, DST, '--mount-src', srcMount, '--mount-dst', dstMount, '--json'], WITH_KEY));
    const report = JSON.parse(copied.stdout) as CopyJson;
    assert.deepEqual(report.jobs.map((j) => [j.original, j.status]), [[job, 'SUCCESS']]);
    const copy = report.jobs[0]?.copy ?? '';
    assert.deepEqual(segmentsOf(dstMount, copy).map((f) => fs.readFileSync(f)), segmentsOf(srcMount, job).map((f) => fs.readFileSync(f)));
    const journal = fs.readFileSync(path.join(dstMount, 'LTO-ARCHIVE', 'journal.ndjson'), 'utf8');
    assert.doesNotMatch(journal, /secret-\d|letters/, 'no name in the clear on the copy');
    assert.match(journal, new RegExp(`"copyOf":\\{"job":"${job}","tape":"${SRC}"\\}`));
  });

  it('restore of the original reads its encrypted copy when only the copy is mounted, with the same unlock', () => {
    const to = path.join(box.root, 'from-copy');
    const restored = ok(box.lto(['restore', SRC, '--to', to, '--mount', dstMount, '--json'], WITH_KEY));
    assert.equal((JSON.parse(restored.stdout) as { readFrom: { tape: string } | null }).readFrom?.tape, DST);
    assert.deepEqual(treeFacts(path.join(to, source)), treeFacts(source));
  });

  it('the copy tape recovered alone into a fresh catalog restores exactly with the same passphrase', () => {
    const db = path.join(box.root, 'alone.db');
    ok(box.lto(['--db', db, 'recover', '--mount', dstMount]));
    const to = path.join(box.root, 'restored');
    ok(box.lto(['--db', db, 'restore', DST, '--to', to, '--mount', dstMount], WITH_KEY));
    assert.deepEqual(treeFacts(path.join(to, source)), treeFacts(source));
    refused(box.lto(['--db', db, 'restore', DST, '--to', path.join(box.root, 'nope'), '--mount', dstMount], { LTO_PASSPHRASE: 'not the passphrase' }), 2, /^error: wrong passphrase for tape 000702L8: /);
  });

  it('refuses in one line: a wrong passphrase, no passphrase, a tape under its own key, a plain tape, --rekey', () => {
    const third = box.mountPoint('own');
    ok(box.lto(['tape', 'add', OWN_KEY, '--mount', third, '--encrypt', 'passphrase'], WITH_KEY));
    const plain = box.mountPoint('plain');
    ok(box.lto(['tape', 'add', PLAIN, '--mount', plain]));
    const copy = (to: string, mount: string, env: NodeJS.ProcessEnv, more: string[] = []) => box.lto(['copy', SRC, to, '--mount-src', srcMount, '--mount-dst', mount, ...more], env);
    refused(copy(OWN_KEY, third, { LTO_PASSPHRASE: 'not the passphrase' }), 2, /^error: wrong passphrase for tape 000701L8: it opens none of its slots; nothing was written$/);
    refused(copy(OWN_KEY, third, {}), 2, /^error: the passphrase of tape 000701L8 is needed: give it with --key FILE, --passphrase-file FILE or LTO_PASSPHRASE/);
    refused(copy(OWN_KEY, third, WITH_KEY), 2, /^error: cannot copy 000701L8 to 000703L8: 000703L8 is sealed under another data key than 000701L8 .*--key-of 000701L8`; nothing was written$/);
    refused(copy(PLAIN, plain, WITH_KEY), 2, /^error: cannot copy 000701L8 to 000704L8: 000701L8 is encrypted and 000704L8 is not: .*--key-of 000701L8`; nothing was written$/);
    refused(copy(OWN_KEY, third, WITH_KEY, ['--rekey']), 2, /^error: cannot copy 000701L8 to 000703L8: --rekey is not supported yet/);
    for (const mount of [third, plain]) assert.ok(!fs.existsSync(path.join(mount, 'LTO-ARCHIVE', 'jobs')) || fs.readdirSync(path.join(mount, 'LTO-ARCHIVE', 'jobs')).length === 0, 'nothing written');
  });

  it('copies a set of encrypted tapes onto a set whose tapes hold their key; a set tape under another key refuses the whole plan first', () => {
    const offsite = box.mountPoint('offsite');
    ok(box.lto(['set', 'create', 'sealed']));
    ok(box.lto(['set', 'create', 'sealed-off']));
    ok(box.lto(['set', 'add', 'sealed', SRC, '--mount', srcMount]));
    ok(box.lto(['tape', 'add', OWN_KEY_SET, '--mount', box.mountPoint('own-set'), '--encrypt', 'passphrase', '--set', 'sealed-off'], WITH_KEY));
    refused(box.lto(['copy', '--set', 'sealed', '--to-set', 'sealed-off', '--mount', srcMount, '--mount', offsite], WITH_KEY), 2, new RegExp(`^error: cannot copy ${SRC} to ${OWN_KEY_SET}: .*sealed under another data key`));
    const sealedOff = box.mountPoint('sealed-off-2');
    ok(box.lto(['set', 'create', 'sealed-off-2']));
    ok(box.lto(['tape', 'add', '000707L8', '--mount', sealedOff, '--key-of', SRC, '--set', 'sealed-off-2'], WITH_KEY));
    const copied = ok(box.lto(['copy', '--set', 'sealed', '--to-set', 'sealed-off-2', '--mount', srcMount, '--mount', sealedOff, '--json'], WITH_KEY));
    const report = JSON.parse(copied.stdout) as { status: string; copies: CopyJson[] };
    assert.equal(report.status, 'SUCCESS');
    assert.deepEqual(report.copies.flatMap((c) => c.jobs.map((j) => [j.original, j.status])), [[job, 'SUCCESS']]);
  });

  it('migrates an encrypted tape onto a newer one that holds its key, read back against its hashes', () => {
    const newer = box.mountPoint('newer');
    ok(box.lto(['tape', 'add', '000705L9', '--mount', newer, '--key-of', SRC], WITH_KEY));
    const migrated = ok(box.lto(['migrate', SRC, '--to', '000705L9', '--mount', srcMount, '--mount', newer, '--json'], WITH_KEY));
    const report = JSON.parse(migrated.stdout) as { migrated: boolean; verified: number };
    assert.deepEqual([report.migrated, report.verified], [true, 1]);
    const to = path.join(box.root, 'from-newer');
    ok(box.lto(['restore', '000705L9', '--to', to, '--mount', newer], WITH_KEY));
    assert.deepEqual(treeFacts(path.join(to, source)), treeFacts(source));
  });

  it('on a terminal, the passphrase is asked once, hidden, for both tapes', async () => {
    const mount = box.mountPoint('asked');
    ok(box.lto(['tape', 'add', '000708L8', '--mount', mount, '--key-of', SRC], WITH_KEY));
    const pty = new Pty(['copy', SRC, '000708L8', '--mount-src', srcMount, '--mount-dst', mount], { HOME: box.root, LTO_HOME: box.home, NO_COLOR: '1' });
    try {
      await pty.waitFor(new RegExp(`Passphrase for tape ${SRC}`));
      await pty.type(`${PASSPHRASE}\r`);
      assert.equal(await pty.exitCode(60_000), 0, pty.text());
    } finally {
      pty.kill();
    }
    assert.ok(!pty.text().includes('Passphrase for tape 000708L8'), 'asked once: the same passphrase opens the copy tape');
    assert.ok(!pty.text().includes(PASSPHRASE), 'the passphrase is not echoed');
    assert.match(pty.text(), new RegExp(`-> 000708L8 as \\S+ SUCCESS`));
  });

  it('a damaged chunk of the original: its files are read from the encrypted copy, one line each, the tree exact', () => {
    const [first] = segmentsOf(srcMount, job);
    const bytes = fs.readFileSync(first ?? '');
    bytes[4096] = (bytes[4096] ?? 0) ^ 0xff;
    fs.writeFileSync(first ?? '', bytes);
    const to = path.join(box.root, 'fallback');
    const restored = ok(box.lto(['restore', SRC, '--to', to, '--mount', srcMount, '--mount', dstMount, '--json'], WITH_KEY));
    const report = JSON.parse(restored.stdout) as { status: string; fallbacks: { tape: string }[] };
    assert.equal(report.status, 'SUCCESS');
    assert.ok(report.fallbacks.length > 0);
    assert.deepEqual([...new Set(report.fallbacks.map((f) => f.tape))], [DST]);
    assert.deepEqual(treeFacts(path.join(to, source)), treeFacts(source));
  });
});
