import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { sandbox, type Sandbox } from '../support/cli';
import { formatCartridge, mountCartridge, realLtfsMissing, type MountedCartridge } from '../support/ltfs-cartridge';
import { seededBytes } from '../support/seeded';

const TAPES = ['000301L5', '000302L5', '000303L5'] as const;
const MiB = 1024 * 1024;

interface BackupJson {
  readonly mode: string;
  readonly status: string;
  readonly files: number;
  readonly parts: readonly { readonly tape: string }[];
}

describe('real LTFS: a tape set of three cartridges takes a full and two incrementals that span (real CLI)', { skip: realLtfsMissing() }, () => {
  let box: Sandbox;
  const tapes: MountedCartridge[] = [];
  before(async () => {
    box = sandbox();
    for (const tape of TAPES) {
      const cartridge = path.join(box.root, `cartridge-${tape}`);
      // Small cartridges (the media decides the room; under 256 MB LTFS refuses writes at once: early warning).
      formatCartridge(cartridge, { serial: tape.slice(0, 6), capacityMb: 256 });
      tapes.push(await mountCartridge(cartridge, box.mountPoint(`mnt-${tape}`)));
    }
  });
  after(async () => {
    for (const tape of tapes) await tape.unmount();
    box?.cleanup();
  });

  it('each incremental writes only what changed, on the set\'s current cartridge and on to the next, and every cartridge verifies', () => {
    const src = box.mountPoint('src');
    const write = (i: number, seed = i): void => fs.writeFileSync(path.join(src, `img-${i}.dng`), seededBytes(40 * MiB, seed));
    const backup = (): BackupJson => {
      const r = box.lto(['backup', '--set', 'photos', src, ...tapes.flatMap((t) => ['--mount', t.mount]), '--json']);
      assert.equal(r.status, 0, r.stderr);
      return JSON.parse(r.stdout) as BackupJson;
    };
    assert.equal(box.lto(['set', 'create', 'photos', '--copies', '2']).status, 0);
    TAPES.forEach((tape, i) => {
      const added = box.lto(['tape', 'add', tape, '--mount', tapes[i]!.mount, '--set', 'photos']);
      assert.equal(added.status, 0, added.stderr);
    });

    for (let i = 1; i <= 4; i++) write(i);
    const full = backup();
    assert.deepEqual([full.mode, full.status, full.files, full.parts.map((p) => p.tape)], ['FULL', 'SUCCESS', 4, [TAPES[0]]]);

    for (let i = 5; i <= 7; i++) write(i);
    const first = backup();
    assert.deepEqual([first.mode, first.status, first.files, first.parts.map((p) => p.tape)], ['INCREMENTAL', 'SUCCESS', 3, [TAPES[0], TAPES[1]]]);

    write(1, 101);
    for (let i = 8; i <= 13; i++) write(i);
    const second = backup();
    assert.deepEqual([second.mode, second.status, second.files, second.parts.map((p) => p.tape)], ['INCREMENTAL', 'SUCCESS', 7, [TAPES[1], TAPES[2]]]);

    TAPES.forEach((tape, i) => {
      const verified = box.lto(['verify', tape, '--mount', tapes[i]!.mount]);
      assert.equal(verified.status, 0, `${tape}: ${verified.stdout}${verified.stderr}`);
    });
  });
});
