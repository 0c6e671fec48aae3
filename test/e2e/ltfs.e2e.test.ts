import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { journalLines, sandbox, type Sandbox } from '../support/cli';
import { getLtfs, imitateLtfs, removeLtfs, setLtfs, userXattrsMissing } from '../support/ltfs';

interface Record_ {
  seq: number;
  event: { type: string; data: Record<string, unknown> };
}

const records = (mount: string): Record_[] => journalLines(mount).map((line) => JSON.parse(line) as Record_);
const lastOfType = (mount: string, type: string): Record_ | undefined => records(mount).filter((r) => r.event.type === type).at(-1);

describe('LTFS mounts, imitated with user.ltfs.* attributes (real CLI)', { skip: userXattrsMissing(os.tmpdir()) }, () => {
  let box: Sandbox;
  beforeEach(() => {
    box = sandbox();
  });
  afterEach(() => box.cleanup());

  it('tape add checks the cartridge barcode, records the LTFS volume UUID and asks for an index write', () => {
    const mount = box.mountPoint('ltfs');
    imitateLtfs(mount);
    const added = box.lto(['tape', 'add', '000012L5', '--mount', mount]);
    assert.equal(added.status, 0, added.stderr);
    const initialised = lastOfType(mount, 'TapeInitialised');
    assert.equal(initialised?.event.data['ltfsVolumeUuid'], '3f1c2a9e-5b7d-4e21-9a0c-8d6b4f2e1a77');
    assert.equal(getLtfs(mount, 'sync'), '1', 'the index write was requested on the mount root');
    assert.equal(lastOfType(mount, 'JobCompleted')?.event.data['ltfsIndexGeneration'], 5);
  });

  it('tape add refuses a cartridge whose barcode is another, writing nothing', () => {
    const mount = box.mountPoint('ltfs');
    imitateLtfs(mount, { mamBarcode: '000099L5  ', volumeSerial: '000099' });
    const added = box.lto(['tape', 'add', '000012L5', '--mount', mount]);
    assert.equal(added.status, 3, added.stdout);
    assert.match(added.stderr, /is 000099L5 \(from its cartridge memory\), not 000012L5/);
    assert.equal(fs.existsSync(path.join(mount, 'LTO-ARCHIVE')), false);
    assert.equal(box.json<{ tapes: unknown[] }>(['tape', 'list']).tapes.length, 0);
  });

  it('without a cartridge-memory barcode the LTFS volume serial is compared', () => {
    const mount = box.mountPoint('ltfs');
    imitateLtfs(mount, { mamBarcode: undefined, volumeSerial: '000013' });
    const refused = box.lto(['tape', 'add', '000012L5', '--mount', mount]);
    assert.equal(refused.status, 3);
    assert.match(refused.stderr, /is 000013/);
    setLtfs(mount, 'volumeSerial', '000012');
    assert.equal(box.lto(['tape', 'add', '000012L5', '--mount', mount]).status, 0);
  });

  it('a later contact with another cartridge (another LTFS volume UUID) is refused, nothing written', () => {
    const mount = box.mountPoint('ltfs');
    imitateLtfs(mount);
    assert.equal(box.lto(['tape', 'add', '000012L5', '--mount', mount]).status, 0);
    const before = fs.readFileSync(path.join(mount, 'LTO-ARCHIVE', 'journal.ndjson'));
    // The same files, but on a cartridge formatted separately (a copy): a new LTFS volume UUID.
    setLtfs(mount, 'volumeUUID', '0b6e7a10-1111-4c2d-8e3f-222222222222');
    const described = box.lto(['tape', 'describe', '000012L5', 'changed', '--mount', mount]);
    assert.equal(described.status, 3, described.stderr);
    assert.match(described.stderr, /0b6e7a10-1111-4c2d-8e3f-222222222222.*expected 3f1c2a9e/);
    assert.deepEqual(fs.readFileSync(path.join(mount, 'LTO-ARCHIVE', 'journal.ndjson')), before);
    // And a cartridge whose memory names another barcode.
    setLtfs(mount, 'volumeUUID', '3f1c2a9e-5b7d-4e21-9a0c-8d6b4f2e1a77');
    setLtfs(mount, 'mamBarcode', '000077L5   ');
    const shown = box.lto(['tape', 'show', '000012L5', '--mount', mount]);
    assert.equal(shown.status, 3);
    assert.match(shown.stderr, /000077L5/);
  });

  it('tape show prints the LTFS facts, in --json under `ltfs`, counters only where reported', () => {
    const mount = box.mountPoint('ltfs');
    imitateLtfs(mount);
    assert.equal(box.lto(['tape', 'add', '000012L5', '--mount', mount]).status, 0);
    const shown = box.json<{ ltfs: Record<string, unknown> & { health: Record<string, number>; dataPartition: Record<string, number> } }>([
      'tape', 'show', '000012L5', '--mount', mount, '--json',
    ]);
    assert.equal(shown.ltfs['barcode'], '000012L5');
    assert.equal(shown.ltfs['volumeName'], 'PHOTOS');
    assert.equal(shown.ltfs['indexGeneration'], 5);
    assert.equal(shown.ltfs['blockSize'], 524288);
    assert.deepEqual(shown.ltfs.dataPartition, { totalBytes: 1425000 * 1048576, freeBytes: 1400000 * 1048576 });
    assert.deepEqual(shown.ltfs.health, { mediaLoads: 12, mediaPermanentReadErrors: 0, mediaMBWritten: 25000 });
    const human = box.lto(['tape', 'show', '000012L5', '--mount', mount]);
    assert.equal(human.status, 0, human.stderr);
    assert.match(human.stdout, /index generation\s+5/);
    assert.match(human.stdout, /loads\s+12/);
    assert.doesNotMatch(human.stdout, /permanent write errors/);
  });

  it('a backup asks for an index write at its end and records the generation in JobCompleted', () => {
    const mount = box.mountPoint('ltfs');
    imitateLtfs(mount);
    assert.equal(box.lto(['tape', 'add', '000012L5', '--mount', mount]).status, 0);
    const source = box.mountPoint('src');
    fs.writeFileSync(path.join(source, 'a.txt'), 'hello LTFS\n');
    removeLtfs(mount, 'sync');
    setLtfs(mount, 'indexGeneration', '41');
    const backup = box.lto(['backup', '000012L5', source, '--mount', mount]);
    assert.equal(backup.status, 0, backup.stderr);
    assert.equal(getLtfs(mount, 'sync'), '1');
    assert.equal(lastOfType(mount, 'JobCompleted')?.event.data['ltfsIndexGeneration'], 41);
  });

  it('closed segments are marked immutable, the journal never append-only (a flag an earlier version set is lifted); our names on tape are plain ASCII', () => {
    const mount = box.mountPoint('ltfs');
    imitateLtfs(mount);
    assert.equal(box.lto(['tape', 'add', '000012L5', '--mount', mount]).status, 0);
    const source = box.mountPoint('src');
    for (const name of ['a.txt', 'é ü:*?.txt', 'CON']) fs.writeFileSync(path.join(source, name), `${name}\n`.repeat(2000));
    assert.equal(box.lto(['backup', '000012L5', source, '--mount', mount, '--segment-size', '1KiB']).status, 0);
    const jobs = path.join(mount, 'LTO-ARCHIVE', 'jobs');
    const segments = fs.readdirSync(jobs).flatMap((job) => fs.readdirSync(path.join(jobs, job)).map((f) => path.join(jobs, job, f)));
    assert.ok(segments.length >= 3, `${segments.length} segments`);
    for (const segment of segments) assert.equal(getLtfs(segment, 'vendor.IBM.immutable'), '1', segment);
    const journal = path.join(mount, 'LTO-ARCHIVE', 'journal.ndjson');
    assert.equal(getLtfs(journal, 'vendor.IBM.appendonly'), undefined);
    setLtfs(journal, 'vendor.IBM.appendonly', '1');
    assert.equal(box.lto(['tape', 'describe', '000012L5', 'second', '--mount', mount]).status, 0);
    assert.equal(getLtfs(journal, 'vendor.IBM.appendonly'), '0');
    const names = (dir: string): string[] =>
      fs.readdirSync(dir, { withFileTypes: true }).flatMap((d) => [d.name, ...(d.isDirectory() ? names(path.join(dir, d.name)) : [])]);
    for (const name of names(mount)) assert.match(name, /^[A-Za-z0-9._-]+$/);
  });

  it('the room for a backup comes from the cartridge media figures, keeping the 5% reserve', () => {
    const mount = box.mountPoint('ltfs');
    // 20 MiB data partition, 2 MiB free: 1 MiB is the reserve, 1 MiB is left.
    imitateLtfs(mount, { mediaDataPartitionTotalCapacity: '20', mediaDataPartitionAvailableSpace: '2' });
    assert.equal(box.lto(['tape', 'add', '000012L5', '--mount', mount]).status, 0);
    const source = box.mountPoint('src');
    fs.writeFileSync(path.join(source, 'big.bin'), Buffer.alloc(1536 * 1024, 7));
    const refused = box.lto(['backup', '000012L5', source, '--mount', mount]);
    assert.equal(refused.status, 3, refused.stderr);
    assert.match(refused.stderr, /not enough room.*capacity 21\.0 MB as the cartridge reports it, used 18\.9 MB.*reserve 1\.0 MB/);
    setLtfs(mount, 'mediaDataPartitionAvailableSpace', '19');
    const written = box.lto(['backup', '000012L5', source, '--mount', mount]);
    assert.equal(written.status, 0, written.stderr);
  });

  it('a blank cartridge whose barcode is the tape asked for says "not initialised", not "not mounted"', () => {
    const mount = box.mountPoint('ltfs');
    imitateLtfs(mount);
    assert.equal(box.lto(['tape', 'add', '000012L5', '--mount', mount]).status, 0);
    // The cartridge reformatted (or its archive folder gone): LTFS still names it 000012.
    fs.rmSync(path.join(mount, 'LTO-ARCHIVE'), { recursive: true });
    const shown = box.lto(['tape', 'show', '000012L5', '--mount', mount]);
    assert.equal(shown.status, 3, shown.stderr);
    assert.match(shown.stderr, /^error: the cartridge at .* is 000012L5 by its LTFS barcode but is not initialised for lto .*lto tape add 000012L5 --mount/);
    assert.equal(shown.stderr.trim().split('\n').length, 1);
  });

  it('an LTO-7 id on a cartridge holding 2.5 TB is a warning at tape add, naming the generation it fits', () => {
    const mount = box.mountPoint('ltfs');
    // 2,384,185 MiB = 2.5 TB: what an LTO-6 data partition reports.
    imitateLtfs(mount, { volumeSerial: '000012', mamBarcode: '000012L7', mediaDataPartitionTotalCapacity: '2300000', mediaDataPartitionAvailableSpace: '2290000' });
    const added = box.lto(['tape', 'add', '000012L7', '--mount', mount]);
    assert.equal(added.status, 0, added.stderr);
    assert.match(added.stderr, /warning: 000012L7 is an LTO-7 id \(native 6000\.0 GB\), but the cartridge holds 2411\.7 GB, as an LTO-6 would/);
    const fitting = box.mountPoint('ltfs-7');
    imitateLtfs(fitting, { volumeSerial: '000013', mamBarcode: '000013L7', mediaDataPartitionTotalCapacity: '5600000', mediaDataPartitionAvailableSpace: '5600000' });
    const quiet = box.lto(['tape', 'add', '000013L7', '--mount', fitting]);
    assert.equal(quiet.status, 0, quiet.stderr);
    assert.doesNotMatch(quiet.stderr, /warning/);
  });

  it('on a plain folder nothing of it shows: no UUID, no generation, `ltfs: null`', () => {
    const mount = box.mountPoint('plain');
    assert.equal(box.lto(['tape', 'add', '000012L5', '--mount', mount]).status, 0);
    const source = box.mountPoint('src');
    fs.writeFileSync(path.join(source, 'a.txt'), 'plain\n');
    assert.equal(box.lto(['backup', '000012L5', source, '--mount', mount]).status, 0);
    assert.equal('ltfsVolumeUuid' in (lastOfType(mount, 'TapeInitialised')?.event.data ?? {}), false);
    assert.equal('ltfsIndexGeneration' in (lastOfType(mount, 'JobCompleted')?.event.data ?? {}), false);
    assert.equal(getLtfs(mount, 'sync'), undefined);
    assert.equal(box.json<{ ltfs: unknown }>(['tape', 'show', '000012L5', '--mount', mount, '--json']).ltfs, null);
    const job = fs.readdirSync(path.join(mount, 'LTO-ARCHIVE', 'jobs'))[0] ?? '';
    assert.equal(getLtfs(path.join(mount, 'LTO-ARCHIVE', 'jobs', job, '1.tar'), 'vendor.IBM.immutable'), undefined);
    assert.equal(getLtfs(path.join(mount, 'LTO-ARCHIVE', 'journal.ndjson'), 'vendor.IBM.appendonly'), undefined);
  });
});
