import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { journalLines, sandbox, type Sandbox } from '../support/cli';
import { formatCartridge, mountCartridge, realLtfsMissing, type MountedCartridge } from '../support/ltfs-cartridge';
import { treeFacts } from '../support/trees';

const OLD = '000081L6';
const OFFSITE = '000082L8';
const NEW = '000083L9';

/**
 * Issue 19 items 2, 5 and 6 on three real LTFS cartridges: a set copied to a second set,
 * the first set's cartridge migrated to a newer one (read back through LTFS) and
 * retired; the copy cartridge recovered alone knows every original.
 */
describe('real LTFS: copy a set, migrate and retire its cartridge (real CLI)', { skip: realLtfsMissing() }, () => {
  let box: Sandbox;
  const carts: Record<string, MountedCartridge> = {};
  let src: string;
  before(async () => {
    box = sandbox();
    for (const [tape, serial] of [[OLD, '000081'], [OFFSITE, '000082'], [NEW, '000083']] as const) {
      formatCartridge(path.join(box.root, serial), { serial, capacityMb: 1024, delayMode: 'None' });
      carts[tape] = await mountCartridge(path.join(box.root, serial), box.mountPoint(`m${serial}`));
    }
    src = path.join(box.root, 'src');
    for (let i = 0; i < 30; i++) {
      fs.mkdirSync(path.join(src, `d${i % 3}`), { recursive: true });
      fs.writeFileSync(path.join(src, `d${i % 3}`, `f${i}.bin`), Buffer.alloc(40_000 + i, i));
    }
  });
  after(async () => {
    for (const cart of Object.values(carts)) await cart.unmount();
    box?.cleanup();
  });

  it('copies the set, migrates its cartridge, retires it, and the copy set alone knows every original', () => {
    const mounts = Object.values(carts).flatMap((c) => ['--mount', c.mount]);
    assert.equal(box.lto(['set', 'create', 'photos', '--copies', '2']).status, 0);
    assert.equal(box.lto(['set', 'create', 'offsite']).status, 0);
    assert.equal(box.lto(['tape', 'add', OLD, '--mount', carts[OLD]!.mount, '--set', 'photos']).status, 0);
    assert.equal(box.lto(['tape', 'add', OFFSITE, '--mount', carts[OFFSITE]!.mount, '--set', 'offsite']).status, 0);
    assert.equal(box.lto(['tape', 'add', NEW, '--mount', carts[NEW]!.mount]).status, 0);
    assert.equal(box.lto(['backup', '--set', 'photos', src, '--mount', carts[OLD]!.mount, '--segment-size', '512KiB']).status, 0);
    fs.writeFileSync(path.join(src, 'd0', 'late.bin'), Buffer.alloc(70_000, 7));
    assert.equal(box.lto(['backup', '--set', 'photos', src, '--mount', carts[OLD]!.mount]).status, 0);

    const copied = box.lto(['copy', '--set', 'photos', '--to-set', 'offsite', ...mounts, '--json']);
    assert.equal(copied.status, 0, copied.stderr);
    assert.equal((JSON.parse(copied.stdout) as { copies: { jobs: unknown[] }[] }).copies[0]?.jobs.length, 2);
    assert.match(box.lto(['report', '--fail-on', 'never']).stdout, /! 000081L6 \(LTO-6\): no drive made now/);

    const migrated = box.lto(['migrate', OLD, '--to', NEW, ...mounts, '--json']);
    assert.equal(migrated.status, 0, migrated.stderr);
    const m = JSON.parse(migrated.stdout) as { verified: number; migrated: boolean };
    assert.deepEqual([m.verified, m.migrated], [2, true]);
    assert.ok(journalLines(carts[OLD]!.mount).at(-1)?.includes('"TapeMigrated"'));
    const retired = box.lto(['tape', 'retire', OLD, '--json']);
    assert.equal(retired.status, 0, retired.stderr);
    const verify = box.lto(['verify', NEW, '--mount', carts[NEW]!.mount]);
    assert.equal(verify.status, 0, verify.stderr);

    const db = path.join(box.root, 'offsite.db');
    assert.equal(box.lto(['--db', db, 'recover', '--mount', carts[OFFSITE]!.mount]).status, 0);
    const originals = box.json<{ jobs: { job: string; tape: string; type: string }[] }>(['jobs']).jobs.filter((j) => j.tape === OLD && j.type === 'BACKUP').map((j) => ({ tape: OLD, job: j.job }));
    const alone = box.json<{ jobs: { type: string; copyOf: { tape: string; job: string } | null }[] }>(['--db', db, 'jobs']).jobs;
    assert.deepEqual(alone.filter((j) => j.type === 'COPY').map((j) => j.copyOf), originals);
    const to = path.join(box.root, 'out');
    const restored = box.lto(['--db', db, 'restore', OFFSITE, '--to', to, '--mount', carts[OFFSITE]!.mount]);
    assert.equal(restored.status, 0, restored.stderr);
    assert.deepEqual(treeFacts(path.join(to, src)), treeFacts(src));
  });
});
