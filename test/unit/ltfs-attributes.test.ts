import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { cartridgeMismatch } from '../../domain/cartridge';
import { TapeId } from '../../domain/tape-id';
import {
  ltfsCapacity,
  ltfsFacts,
  ltfsIdentity,
  protectFile,
  readLtfsAttribute,
  requestIndexSync,
  tapePosition,
} from '../../infrastructure/tape/ltfs-attributes';
import { getLtfs, imitateLtfs, setLtfs, userXattrsMissing } from '../support/ltfs';

const tapeId = (s: string) => {
  assert.ok(TapeId.is(s));
  return s;
};

describe('LTFS attributes: an imitated mount and the quiet fallbacks', { skip: userXattrsMissing(os.tmpdir()) }, () => {
  let root: string;
  beforeEach(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'lto-ltfs-'));
  });
  afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

  it('a plain folder has no identity, facts, capacity or positions; nothing is requested or protected', () => {
    const file = path.join(root, 'f');
    fs.writeFileSync(file, 'x');
    assert.equal(ltfsIdentity(root), undefined);
    assert.equal(ltfsFacts(root), undefined);
    assert.equal(ltfsCapacity(root), undefined);
    assert.equal(tapePosition(file), undefined);
    assert.equal(requestIndexSync(root), undefined);
    assert.equal(getLtfs(root, 'sync'), undefined, 'no attribute written on a plain folder');
    assert.equal(protectFile(root, file), false);
    assert.equal(getLtfs(file, 'vendor.IBM.immutable'), undefined);
  });

  it('a missing path and a file system without user attributes answer undefined, never throw', () => {
    assert.equal(readLtfsAttribute(path.join(root, 'nope'), 'volumeUUID'), undefined);
    assert.equal(readLtfsAttribute('/proc/self/status', 'volumeUUID'), undefined);
    assert.equal(requestIndexSync(path.join(root, 'nope')), undefined);
  });

  it('reads the identity with the barcode padding trimmed, and only the counters the drive reports', () => {
    imitateLtfs(root);
    const identity = ltfsIdentity(root);
    assert.deepEqual(identity, {
      softwareProduct: 'LTFS',
      volumeUuid: '3f1c2a9e-5b7d-4e21-9a0c-8d6b4f2e1a77',
      volumeName: 'PHOTOS',
      barcode: '000012L5',
      volumeSerial: '000012',
    });
    const facts = ltfsFacts(root);
    assert.equal(facts?.indexGeneration, 5);
    assert.deepEqual(facts?.health, { mediaLoads: 12, mediaPermanentReadErrors: 0, mediaMBWritten: 25000 });
    assert.deepEqual(ltfsCapacity(root), { totalBytes: 1425000 * 1048576, freeBytes: 1400000 * 1048576 });
  });

  it('an index write is requested on the root and the generation read afterwards is returned', () => {
    imitateLtfs(root, { indexGeneration: '17' });
    assert.equal(getLtfs(root, 'sync'), undefined);
    assert.equal(requestIndexSync(root), 17);
    assert.equal(getLtfs(root, 'sync'), '1');
    setLtfs(root, 'indexGeneration', 'not a number');
    assert.equal(requestIndexSync(root), undefined);
  });

  it('reads a file position and protects files only where LTFS is', () => {
    imitateLtfs(root);
    const file = path.join(root, 'seg.tar');
    fs.writeFileSync(file, 'x');
    setLtfs(file, 'startblock', '1234');
    setLtfs(file, 'partition', 'b');
    assert.deepEqual(tapePosition(file), { partition: 'b', startBlock: 1234 });
    assert.equal(protectFile(root, file), true);
    assert.equal(getLtfs(file, 'vendor.IBM.immutable'), '1');
  });
});

describe('the cartridge barcode against the tape id', () => {
  it('matches on the 6-character serial, or the whole barcode when the memory holds one', () => {
    const tape = tapeId('000012L5');
    assert.equal(cartridgeMismatch(tape, { barcode: '000012L5', volumeSerial: undefined }), undefined);
    assert.equal(cartridgeMismatch(tape, { barcode: '000012', volumeSerial: undefined }), undefined);
    assert.equal(cartridgeMismatch(tape, { barcode: '000012l5  ', volumeSerial: undefined }), undefined);
    assert.equal(cartridgeMismatch(tape, { barcode: '000013L5', volumeSerial: '000012' }), '000013L5');
    assert.equal(cartridgeMismatch(tape, { barcode: '000012L6', volumeSerial: undefined }), '000012L6');
    assert.equal(cartridgeMismatch(tape, { barcode: '00001', volumeSerial: undefined }), '00001');
    assert.equal(cartridgeMismatch(tape, { barcode: undefined, volumeSerial: '000099' }), '000099');
    assert.equal(cartridgeMismatch(tape, { barcode: undefined, volumeSerial: '000012' }), undefined);
    assert.equal(cartridgeMismatch(tape, { barcode: undefined, volumeSerial: undefined }), undefined);
  });
});
