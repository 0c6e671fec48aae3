import * as assert from 'node:assert/strict';
import { createDecipheriv, generateKeyPairSync } from 'node:crypto';
import { describe, it } from 'node:test';
import * as fc from 'fast-check';
import { KeySlot, ScryptParams } from '../../domain/key-slots';
import { NameSealer, NameUnreadable } from '../../infrastructure/crypto/name-sealer';
import { passphraseSlot, rsaSlot, unlockSlots, unlockWithPassphrase } from '../../infrastructure/crypto/key-slot-sealing';
import { openChunk, sealChunk } from '../../infrastructure/crypto/segment-chunks';
import { TapeKeys } from '../../infrastructure/crypto/tape-keys';

const CHEAP = { logN: 14, r: 8, p: 1 };
const NOW = '2026-11-26T12:00:00.000Z';

describe('segment chunks: known answers (format 1 must read these forever)', () => {
  const key = Buffer.alloc(32, 0x11);
  const header = Buffer.alloc(48, 0x22);
  const plain = Buffer.from('lto-archive chunk known answer');
  const answers: ReadonlyArray<readonly [number, boolean, string]> = [
    [0, false, 'a8be714a80ddfef1686cd825b89aafe19a40e4f097d330cc188b30ec612ffda7ef3cdd47ef47f2d943981aba1023'],
    [1, true, '064f0d563ab1c7dc2ad4c6d5f3440c95d9b3dea5fe71e0a24bb1e6192af97478a08a7226322c5e36dad87f2236a3'],
    [0x010203, false, '01722eb9498f6d4043f8ae4a3384be0d556c6179fde046e1cf45624480134f23941c3477881be2edab2e0e7109c1'],
  ];

  for (const [index, last, hex] of answers) {
    it(`seals chunk ${index}${last ? ' (last)' : ''} to the known bytes`, () => {
      const out = Buffer.alloc(plain.length + 16);
      sealChunk(key, header, index, last, plain, out);
      assert.equal(out.toString('hex'), hex);
    });

    it(`chunk ${index}: the nonce is the counter in 11 big-endian bytes, then the last-chunk flag`, () => {
      const nonce = Buffer.alloc(12);
      nonce.writeUIntBE(index, 5, 6);
      nonce[11] = last ? 1 : 0;
      const sealed = Buffer.from(hex, 'hex');
      const decipher = createDecipheriv('aes-256-gcm', key, nonce);
      decipher.setAAD(header);
      decipher.setAuthTag(sealed.subarray(sealed.length - 16));
      assert.deepEqual(Buffer.concat([decipher.update(sealed.subarray(0, sealed.length - 16)), decipher.final()]), plain);
    });
  }

  it('refuses the last-chunk flag flipped, another counter, another header', () => {
    const sealed = Buffer.from(answers[1]![2], 'hex');
    assert.deepEqual(openChunk(key, header, 1, true, sealed), plain);
    assert.equal(openChunk(key, header, 1, false, sealed), undefined);
    assert.equal(openChunk(key, header, 2, true, sealed), undefined);
    assert.equal(openChunk(key, Buffer.alloc(48, 0x23), 1, true, sealed), undefined);
  });
});

describe('sealed names', () => {
  const sealer = new NameSealer(Buffer.alloc(32, 0x33), Buffer.alloc(32, 0x44));
  const component = fc.string({ minLength: 1, maxLength: 40 }).filter((s) => !s.includes('/') && !s.includes('\0'));
  const absolute = fc.array(component, { minLength: 1, maxLength: 6 }).map((parts) => `/${parts.join('/')}`);

  it('is the same path under the same key (known answer) and opens back', () => {
    const sealed = '/UaP_6Qy2-jGWdA-jNMZd3-hlcaZ56aVEOM0Ms5zsvLI/HMXxNl5O9iol1eeuTH8R9m0Vigqy6tyN8ERF-6P6/XjtR68mCf9iJMsthoXxgvwXrWCL1qlgqzyhU5rn2hQF75Aa1BQ';
    assert.equal(sealer.sealPath('/home/me/café.txt'), sealed);
    assert.equal(new NameSealer(Buffer.alloc(32, 0x33), Buffer.alloc(32, 0x44)).openPath(sealed), '/home/me/café.txt');
  });

  it('round-trips any path, keeping its depth and its parent as a prefix', () => {
    fc.assert(
      fc.property(absolute, component, (dir, name) => {
        const sealedDir = sealer.sealPath(dir);
        const sealedChild = sealer.sealPath(`${dir}/${name}`);
        assert.equal(sealer.openPath(sealedChild), `${dir}/${name}`);
        assert.ok(sealedChild.startsWith(`${sealedDir}/`));
        assert.equal(sealedChild.split('/').length, `${dir}/${name}`.split('/').length);
      }),
      { numRuns: 300 },
    );
  });

  it('encrypts the same name differently in two folders, and two names differently in one', () => {
    fc.assert(
      fc.property(absolute, absolute, component, (a, b, name) => {
        fc.pre(a !== b);
        const last = (p: string) => p.slice(p.lastIndexOf('/') + 1);
        assert.notEqual(last(sealer.sealPath(`${a}/${name}`)), last(sealer.sealPath(`${b}/${name}`)));
        assert.notEqual(sealer.sealPath(a), sealer.sealPath(b));
      }),
      { numRuns: 200 },
    );
  });

  it('refuses a component moved under another parent, or opened with another key', () => {
    const moved = `${sealer.sealPath('/a')}/${sealer.sealPath('/b/secret').split('/')[2]!}`;
    assert.throws(() => sealer.openPath(moved), NameUnreadable);
    const other = new NameSealer(Buffer.alloc(32, 0x55), Buffer.alloc(32, 0x44));
    assert.throws(() => other.openPath(sealer.sealPath('/a/b')), NameUnreadable);
  });
});

describe('key slots', () => {
  const tape = '000013L8';

  it('a passphrase slot opens with its passphrase only (the AEAD tag is the only check)', () => {
    const keys = TapeKeys.generate();
    const slot = passphraseSlot(tape, keys.dataKey, 'right passphrase', NOW, CHEAP);
    assert.deepEqual(unlockWithPassphrase(tape, slot, 'right passphrase'), keys.dataKey);
    assert.equal(unlockWithPassphrase(tape, slot, 'wrong passphrase'), undefined);
    assert.equal(unlockWithPassphrase('000099L8', slot, 'right passphrase'), undefined, 'a slot is bound to its tape');
    assert.equal(JSON.stringify(slot).includes(keys.dataKey.toString('base64')), false);
  });

  it('an RSA slot needs only the public key to make, and the private key to open', () => {
    const keys = TapeKeys.generate();
    const alice = generateKeyPairSync('rsa', { modulusLength: 3072 });
    const mallory = generateKeyPairSync('rsa', { modulusLength: 3072 });
    const slot = rsaSlot(tape, keys.dataKey, alice.publicKey, NOW);
    assert.deepEqual(unlockSlots(tape, [slot], { privateKey: alice.privateKey }), keys.dataKey);
    assert.equal(unlockSlots(tape, [slot], { privateKey: mallory.privateKey }), undefined);
    assert.equal(KeySlot.is(slot), true);
  });

  it('refuses absurd scrypt parameters read from a tape', () => {
    const base = { name: 'scrypt', r: 8, p: 1, salt: 'AAAA' };
    assert.equal(ScryptParams.is({ ...base, logN: 17 }), true);
    for (const absurd of [{ ...base, logN: 40 }, { ...base, logN: 20, r: 64 }, { ...base, logN: 17, p: 1000 }, { ...base, logN: 4 }]) {
      assert.equal(ScryptParams.is(absurd), false, JSON.stringify(absurd));
    }
  });
});
