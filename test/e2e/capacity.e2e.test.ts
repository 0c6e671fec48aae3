import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { sandbox, type Sandbox } from '../support/cli';

describe('a tape without room for the backup', () => {
  let box: Sandbox;
  let mount: string;
  let mounted = false;
  before(() => {
    box = sandbox();
    mount = box.mountPoint('small-tape');
    // A 4 MiB file system stands in for a nearly full cartridge (statfs is what LTFS reports too).
    mounted = process.platform === 'linux' && spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=4m', 'tmpfs', mount]).status === 0;
  });
  after(() => {
    if (mounted) spawnSync('umount', [mount]);
    box.cleanup();
  });

  it('is refused before anything is written, with the numbers', (t) => {
    if (!mounted) {
      t.skip('needs root on Linux to mount a small tmpfs');
      return;
    }
    assert.equal(box.lto(['tape', 'add', '000500L5', '--mount', mount]).status, 0);
    const src = path.join(box.root, 'src');
    fs.mkdirSync(src);
    fs.writeFileSync(path.join(src, 'big.bin'), Buffer.alloc(6 * 1024 * 1024, 7));
    const journal = fs.readFileSync(path.join(mount, 'LTO-ARCHIVE', 'journal.ndjson'));
    const r = box.lto(['backup', '000500L5', src]);
    assert.equal(r.status, 3, r.stderr);
    assert.match(r.stderr, /not enough room on 000500L5: the backup needs up to 6\.\d MB, .* is left .*reserve/);
    assert.deepEqual(fs.readFileSync(path.join(mount, 'LTO-ARCHIVE', 'journal.ndjson')), journal, 'the journal is untouched');
    assert.equal(fs.existsSync(path.join(mount, 'LTO-ARCHIVE', 'jobs')), false);
    assert.deepEqual(box.json<{ jobs: { type: string }[] }>(['jobs']).jobs.map((j) => j.type), ['ADD_TAPE']);
  });
});
