import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { sandbox, type Sandbox } from '../support/cli';
import { formatCartridge, mountCartridge, realLtfsMissing, seekLatencySeconds, type MountedCartridge } from '../support/ltfs-cartridge';
import { treeFacts } from '../support/trees';

describe('real LTFS: a small job backs up, verifies and restores (real CLI)', { skip: realLtfsMissing() }, () => {
  let box: Sandbox;
  let tape: MountedCartridge;
  before(async () => {
    box = sandbox();
    const cartridge = path.join(box.root, 'cartridge');
    formatCartridge(cartridge, { serial: '000042', capacityMb: 1024, delayMode: 'Calculate' });
    tape = await mountCartridge(cartridge, box.mountPoint('mnt'));
  });
  after(async () => {
    await tape?.unmount();
    box?.cleanup();
  });

  it('tape add, backup of 20 files, verify and restore give every byte back', () => {
    const src = path.join(box.root, 'src');
    for (let i = 0; i < 20; i++) {
      fs.mkdirSync(path.join(src, `d${i % 4}`), { recursive: true });
      fs.writeFileSync(path.join(src, `d${i % 4}`, `f${i}.txt`), `file ${i}\n`.repeat(i + 1));
    }
    const added = box.lto(['tape', 'add', '000042L5', '--mount', tape.mount]);
    assert.equal(added.status, 0, added.stderr);
    const backup = box.lto(['backup', '000042L5', src, '--mount', tape.mount]);
    assert.equal(backup.status, 0, backup.stderr);
    const verify = box.lto(['verify', '000042L5', '--mount', tape.mount]);
    assert.equal(verify.status, 0, verify.stderr);
    const to = path.join(box.root, 'out');
    const restore = box.lto(['restore', '000042L5', '--to', to, '--mount', tape.mount]);
    assert.equal(restore.status, 0, restore.stderr);
    assert.deepEqual(treeFacts(path.join(to, src)), treeFacts(src));
    assert.ok(seekLatencySeconds(tape.mount) >= 0);
  });
});
