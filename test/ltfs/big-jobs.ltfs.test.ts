import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { getAttributeSync, setAttributeSync } from '@napi-rs/xattr';
import { dumpCatalog } from '../support/catalog-dump';
import { sandbox, type CliResult, type Sandbox } from '../support/cli';
import { formatCartridge, mountCartridge, realLtfsMissing, type MountedCartridge } from '../support/ltfs-cartridge';
import { makeBig } from '../../bench/workloads';
import { treeFacts } from '../support/trees';

/** 100,000 in CI (the figure); fewer while working: LTO_LTFS_BIG_FILES=2000. */
const MANY = Number(process.env['LTO_LTFS_BIG_FILES'] ?? 100_000);
const APPEND_ONLY = 'user.ltfs.vendor.IBM.appendonly';

/** Small files in folders of 500, each with its own content. */
const writeManyFiles = (root: string, count: number, tag: string): void => {
  for (let i = 0; i < count; i++) {
    const dir = path.join(root, `${tag}-${Math.floor(i / 500)}`);
    if (i % 500 === 0) fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, `file-${i}.txt`), `${tag} ${i}\n`.repeat(1 + (i % 7)));
  }
};

const run = async (box: Sandbox, args: readonly string[]): Promise<CliResult> => {
  const result = await box.ltoAsync(args).done;
  assert.equal(result.status, 0, `lto ${args.join(' ')}: ${result.stderr}`);
  return result;
};

const journalOf = (mount: string): string => path.join(mount, 'LTO-ARCHIVE', 'journal.ndjson');

describe('real LTFS: big jobs keep a whole journal', { skip: realLtfsMissing() }, () => {
  let box: Sandbox;
  let tape: MountedCartridge;
  before(async () => {
    box = sandbox();
    const cartridge = path.join(box.root, 'cartridge');
    formatCartridge(cartridge, { serial: '000077', capacityMb: 4096 });
    tape = await mountCartridge(cartridge, box.mountPoint('mnt'));
    await run(box, ['tape', 'add', '000077L5', '--mount', tape.mount]);
  });
  after(async () => {
    await tape?.unmount();
    box?.cleanup();
  });

  it('a journal an earlier version made append-only takes a 2,000-file job whole (the flag comes off)', async () => {
    const src = path.join(box.root, 'src-2000');
    writeManyFiles(src, 2000, 'two-thousand');
    // What earlier versions did after their first append: this LTFS then takes large appends only in part.
    setAttributeSync(journalOf(tape.mount), APPEND_ONLY, '1');
    await run(box, ['backup', '000077L5', src, '--mount', tape.mount]);
    assert.equal(getAttributeSync(journalOf(tape.mount), APPEND_ONLY)?.toString(), '0');
    await run(box, ['verify', '000077L5', '--mount', tape.mount]);
    const to = path.join(box.root, 'out-2000');
    await run(box, ['restore', '000077L5', '--to', to, '--path', src, '--mount', tape.mount]);
    assert.deepEqual(treeFacts(path.join(to, src)), treeFacts(src));
  });

  it(`a job of ${MANY.toLocaleString('en')} files backs up, verifies, restores exactly and recovers from the tape alone`, async () => {
    const src = path.join(box.root, 'src-many');
    writeManyFiles(src, MANY, 'many');
    await run(box, ['backup', '000077L5', src, '--mount', tape.mount]);
    assert.ok(fs.statSync(journalOf(tape.mount)).size > 1024 * 1024, 'a journal of more than 1 MiB');
    await run(box, ['verify', '000077L5', '--mount', tape.mount]);
    const to = path.join(box.root, 'out-many');
    await run(box, ['restore', '000077L5', '--to', to, '--path', src, '--mount', tape.mount]);
    assert.deepEqual(treeFacts(path.join(to, src)), treeFacts(src));

    const catalog = path.join(box.home, 'catalog.db');
    const before = dumpCatalog(catalog);
    for (const suffix of ['', '-wal', '-shm']) fs.rmSync(`${catalog}${suffix}`, { force: true });
    await run(box, ['recover', '--mount', tape.mount]);
    assert.equal(dumpCatalog(catalog), before);
  });
});

describe('real LTFS: a job of 4 x 512 MiB', { skip: realLtfsMissing() }, () => {
  let box: Sandbox;
  let tape: MountedCartridge;
  before(async () => {
    box = sandbox();
    const cartridge = path.join(box.root, 'cartridge');
    formatCartridge(cartridge, { serial: '000078', capacityMb: 3072 });
    tape = await mountCartridge(cartridge, box.mountPoint('mnt'));
    await run(box, ['tape', 'add', '000078L5', '--mount', tape.mount]);
  });
  after(async () => {
    await tape?.unmount();
    box?.cleanup();
  });

  it('backs up, verifies, restores exactly and recovers from the tape alone', async () => {
    const src = path.join(box.root, 'src-big');
    makeBig(src);
    await run(box, ['backup', '000078L5', src, '--mount', tape.mount]);
    await run(box, ['verify', '000078L5', '--mount', tape.mount]);
    const to = path.join(box.root, 'out-big');
    await run(box, ['restore', '000078L5', '--to', to, '--path', src, '--mount', tape.mount]);
    assert.deepEqual(treeFacts(path.join(to, src)), treeFacts(src));
    fs.rmSync(to, { recursive: true, force: true });

    const catalog = path.join(box.home, 'catalog.db');
    const before = dumpCatalog(catalog);
    for (const suffix of ['', '-wal', '-shm']) fs.rmSync(`${catalog}${suffix}`, { force: true });
    await run(box, ['recover', '--mount', tape.mount]);
    assert.equal(dumpCatalog(catalog), before);
  });
});
