import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { sandbox, type Sandbox } from '../support/cli';
import { formatCartridge, mountCartridge, realLtfsMissing, type MountedCartridge } from '../support/ltfs-cartridge';
import { treeFacts } from '../support/trees';

/**
 * `lto copy` between two real LTFS cartridges (issue 19 item 2): the copy is written
 * through LTFS, reads back on its own, and stands in for the original once that is
 * out of the drive; the copy cartridge recovered alone knows its original.
 */
describe('real LTFS: a copy onto a second cartridge (real CLI)', { skip: realLtfsMissing() }, () => {
  let box: Sandbox;
  let first: MountedCartridge | undefined;
  let second: MountedCartridge;
  let src: string;
  before(async () => {
    box = sandbox();
    formatCartridge(path.join(box.root, 'c1'), { serial: '000071', capacityMb: 1024, delayMode: 'None' });
    formatCartridge(path.join(box.root, 'c2'), { serial: '000072', capacityMb: 1024, delayMode: 'None' });
    first = await mountCartridge(path.join(box.root, 'c1'), box.mountPoint('m1'));
    second = await mountCartridge(path.join(box.root, 'c2'), box.mountPoint('m2'));
    src = path.join(box.root, 'src');
    for (let i = 0; i < 30; i++) {
      fs.mkdirSync(path.join(src, `d${i % 3}`), { recursive: true });
      fs.writeFileSync(path.join(src, `d${i % 3}`, `f${i}.bin`), Buffer.alloc(40_000 + i, i));
    }
  });
  after(async () => {
    await first?.unmount();
    await second?.unmount();
    box?.cleanup();
  });

  it('copies, verifies, restores from the copy alone and recovers the copy knowing its original', async () => {
    assert.equal(box.lto(['tape', 'add', '000071L5', '--mount', first?.mount ?? '']).status, 0);
    assert.equal(box.lto(['tape', 'add', '000072L5', '--mount', second.mount]).status, 0);
    const backup = box.json<{ job: string }>(['backup', '000071L5', src, '--mount', first?.mount ?? '', '--segment-size', '512KiB']);
    const copied = box.lto(['copy', '000071L5', '000072L5', '--mount-src', first?.mount ?? '', '--mount-dst', second.mount, '--json']);
    assert.equal(copied.status, 0, copied.stderr);
    const verify = box.lto(['verify', '000072L5', '--mount', second.mount]);
    assert.equal(verify.status, 0, verify.stderr);
    await first?.unmount();
    first = undefined;
    const to = path.join(box.root, 'out');
    const restored = box.lto(['restore', '000071L5', '--to', to, '--mount', second.mount]);
    assert.equal(restored.status, 0, restored.stderr);
    assert.match(restored.stderr, /000071L5 is not mounted: restoring from its copy on 000072L5/);
    assert.deepEqual(treeFacts(path.join(to, src)), treeFacts(src));
    const db = path.join(box.root, 'alone.db');
    assert.equal(box.lto(['--db', db, 'recover', '--mount', second.mount]).status, 0);
    const jobs = box.json<{ jobs: { type: string; copyOf: { tape: string; job: string } | null }[] }>(['--db', db, 'jobs']).jobs;
    assert.deepEqual(jobs.filter((j) => j.type === 'COPY').map((j) => j.copyOf), [{ tape: '000071L5', job: backup.job }]);
  });
});

/**
 * The same for an encrypted cartridge (issue 19, item 1): the copy cartridge is added
 * with `--key-of`, so the copy keeps every sealed byte through LTFS and opens with the
 * original's passphrase, even recovered alone.
 */
describe('real LTFS: an encrypted cartridge copied onto one that holds its key (real CLI)', { skip: realLtfsMissing() }, () => {
  const env = { LTO_PASSPHRASE: 'ltfs copy passphrase' };
  let box: Sandbox;
  let first: MountedCartridge | undefined;
  let second: MountedCartridge;
  let src: string;
  before(async () => {
    box = sandbox();
    formatCartridge(path.join(box.root, 'c3'), { serial: '000073', capacityMb: 1024, delayMode: 'None' });
    formatCartridge(path.join(box.root, 'c4'), { serial: '000074', capacityMb: 1024, delayMode: 'None' });
    first = await mountCartridge(path.join(box.root, 'c3'), box.mountPoint('m3'));
    second = await mountCartridge(path.join(box.root, 'c4'), box.mountPoint('m4'));
    src = path.join(box.root, 'src');
    for (let i = 0; i < 12; i++) {
      fs.mkdirSync(path.join(src, `sealed${i % 2}`), { recursive: true });
      fs.writeFileSync(path.join(src, `sealed${i % 2}`, `g${i}.bin`), Buffer.alloc(30_000 + i, i));
    }
  });
  after(async () => {
    await first?.unmount();
    await second?.unmount();
    box?.cleanup();
  });

  it('copies sealed, verifies with the key, restores from the copy and from the copy recovered alone', async () => {
    const ok = (args: string[]) => {
      const r = box.lto(args, env);
      assert.equal(r.status, 0, r.stderr);
      return r;
    };
    ok(['tape', 'add', '000073L5', '--mount', first?.mount ?? '', '--encrypt', 'passphrase']);
    ok(['backup', '000073L5', src, '--mount', first?.mount ?? '', '--segment-size', '256KiB']);
    ok(['tape', 'add', '000074L5', '--mount', second.mount, '--key-of', '000073L5']);
    ok(['copy', '000073L5', '000074L5', '--mount-src', first?.mount ?? '', '--mount-dst', second.mount]);
    ok(['verify', '000074L5', '--mount', second.mount]);
    assert.doesNotMatch(fs.readFileSync(path.join(second.mount, 'LTO-ARCHIVE', 'journal.ndjson'), 'utf8'), /sealed\d|g\d+\.bin/);
    await first?.unmount();
    first = undefined;
    const to = path.join(box.root, 'out');
    ok(['restore', '000073L5', '--to', to, '--mount', second.mount]);
    assert.deepEqual(treeFacts(path.join(to, src)), treeFacts(src));
    const db = path.join(box.root, 'alone.db');
    ok(['--db', db, 'recover', '--mount', second.mount]);
    const alone = path.join(box.root, 'alone');
    ok(['--db', db, 'restore', '000074L5', '--to', alone, '--mount', second.mount]);
    assert.deepEqual(treeFacts(path.join(alone, src)), treeFacts(src));
  });
});
