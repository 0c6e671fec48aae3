import * as assert from 'node:assert/strict';
import { createCipheriv, createDecipheriv } from 'node:crypto';
import { describe, it } from 'node:test';
import * as fc from 'fast-check';
import { nativeGcm, type NativeGcm } from '../../infrastructure/crypto/native-gcm';
import { openChunk, openChunkInto, sealChunk } from '../../infrastructure/crypto/segment-chunks';

const bytes = (min: number, max: number): fc.Arbitrary<Buffer> => fc.uint8Array({ minLength: min, maxLength: max }).map((a) => Buffer.from(a));

const nodeSeal = (key: Buffer, nonce: Buffer, aad: Buffer, plain: Buffer): Buffer => {
  const cipher = createCipheriv('aes-256-gcm', key, nonce);
  cipher.setAAD(aad);
  return Buffer.concat([cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
};

const nodeOpen = (key: Buffer, nonce: Buffer, aad: Buffer, sealed: Buffer): Buffer | undefined => {
  const decipher = createDecipheriv('aes-256-gcm', key, nonce);
  decipher.setAAD(aad);
  decipher.setAuthTag(sealed.subarray(sealed.length - 16));
  try {
    return Buffer.concat([decipher.update(sealed.subarray(0, sealed.length - 16)), decipher.final()]);
  } catch {
    return undefined;
  }
};

/** A view at an odd offset of shared memory, as the writer's staging area and the restore's buffers are. */
const sharedView = (length: number): Buffer => Buffer.from(new SharedArrayBuffer(length + 7), 3, length);

const run = { numRuns: Number(process.env['FUZZ_RUNS'] ?? 300) };

describe('native AES-256-GCM (native/segment-gcm) against node:crypto', { skip: nativeGcm === undefined ? 'native/segment-gcm is not built' : false }, () => {
  const gcm: NativeGcm = nativeGcm ?? { seal: () => undefined, open: () => false };
  const input = fc.record({ key: bytes(32, 32), nonce: bytes(12, 12), aad: bytes(0, 96), plain: bytes(0, 70_000) });

  it('seals to the same bytes as node:crypto (ciphertext then tag), into any buffer', () => {
    fc.assert(
      fc.property(input, ({ key, nonce, aad, plain }) => {
        const out = sharedView(plain.length + 16);
        gcm.seal(key, nonce, aad, plain, out);
        assert.deepEqual(out, nodeSeal(key, nonce, aad, plain));
      }),
      run,
    );
  });

  it("opens node:crypto's output to the plaintext", () => {
    fc.assert(
      fc.property(input, ({ key, nonce, aad, plain }) => {
        const out = sharedView(plain.length);
        assert.equal(gcm.open(key, nonce, aad, nodeSeal(key, nonce, aad, plain), out), true);
        assert.deepEqual(out, plain);
      }),
      run,
    );
  });

  it('refuses what node:crypto refuses (any flipped bit, another AAD), and leaves no unverified byte', () => {
    fc.assert(
      fc.property(input, fc.nat(), fc.integer({ min: 0, max: 7 }), fc.boolean(), ({ key, nonce, aad, plain }, at, bit, flipAad) => {
        const sealed = nodeSeal(key, nonce, aad, plain);
        const otherAad = Buffer.concat([aad, Buffer.from([1])]);
        if (!flipAad) sealed[at % sealed.length]! ^= 1 << bit;
        const used = flipAad ? otherAad : aad;
        const out = sharedView(plain.length).fill(0xaa);
        assert.equal(nodeOpen(key, nonce, used, sealed), undefined);
        assert.equal(gcm.open(key, nonce, used, sealed, out), false);
        assert.ok(out.every((b) => b === 0));
      }),
      run,
    );
  });

  it('a 1 MiB chunk, as written: the same bytes both ways', () => {
    const key = Buffer.alloc(32, 7);
    const nonce = Buffer.alloc(12, 1);
    const aad = Buffer.alloc(48, 2);
    const plain = Buffer.alloc(1024 * 1024);
    for (let i = 0; i < plain.length; i++) plain[i] = (i * 31) & 0xff;
    const out = sharedView(plain.length + 16);
    gcm.seal(key, nonce, aad, plain, out);
    assert.deepEqual(out, nodeSeal(key, nonce, aad, plain));
  });

  it('segment chunks: openChunkInto agrees with openChunk, and refuses the same damage', () => {
    fc.assert(
      fc.property(bytes(32, 32), bytes(48, 48), fc.nat({ max: 2 ** 40 }), fc.boolean(), bytes(1, 20_000), fc.option(fc.nat()), (key, header, index, last, plain, flip) => {
        const sealed = Buffer.alloc(plain.length + 16);
        sealChunk(key, header, index, last, plain, sealed);
        if (flip !== null) sealed[flip % sealed.length]! ^= 0x80;
        const viaNode = openChunk(key, header, index, last, sealed);
        const viaNative = openChunkInto(key, header, index, last, sealed, Buffer.alloc(plain.length));
        assert.deepEqual(viaNative, viaNode);
        if (flip === null) assert.deepEqual(viaNative, plain);
      }),
      run,
    );
  });
});
