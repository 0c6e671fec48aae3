import * as assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { describe, it } from 'node:test';
import { KeySlot } from '../../domain/key-slots';
import { passphraseSlot, rebindSlots, rsaSlot, unlockSlots } from '../../infrastructure/crypto/key-slot-sealing';
import { TapeKeys } from '../../infrastructure/crypto/tape-keys';

const CHEAP = { logN: 14, r: 8, p: 1 };
const NOW = '2026-12-08T03:00:00.000Z';

/** `tape add DST --key-of SRC`: SRC's slots that the secret opens, bound to DST (the same data key, DST in the AAD). */
describe('key slots bound to a copy tape', () => {
  const keys = TapeKeys.generate();
  const alice = generateKeyPairSync('rsa', { modulusLength: 3072 });
  const slots = [passphraseSlot('000012L8', keys.dataKey, 'the passphrase', NOW, CHEAP), rsaSlot('000012L8', keys.dataKey, alice.publicKey, NOW)];

  it('a passphrase carries its own slot only: same id and KDF, wrapped anew; it opens the copy tape to the same key, not the original by mistake', () => {
    const bound = rebindSlots('000012L8', '000013L8', slots, keys.dataKey, { passphrase: 'the passphrase' });
    assert.deepEqual(bound.map((s) => s.kind), ['passphrase']);
    const [slot] = bound;
    assert.equal(slot?.id, slots[0]?.id);
    assert.deepEqual(slot?.kind === 'passphrase' ? slot.kdf : undefined, slots[0]?.kind === 'passphrase' ? slots[0].kdf : undefined);
    assert.notEqual(slot?.wrap.sealed, slots[0]?.wrap.sealed);
    assert.ok(KeySlot.is(slot));
    assert.deepEqual(unlockSlots('000013L8', bound, { passphrase: 'the passphrase' }), keys.dataKey);
    // Bound to the copy tape: under the original's id the tag fails.
    assert.equal(unlockSlots('000012L8', bound, { passphrase: 'the passphrase' }), undefined);
  });

  it('a private key carries its RSA slot; a wrong secret carries nothing', () => {
    const bound = rebindSlots('000012L8', '000013L8', slots, keys.dataKey, { privateKey: alice.privateKey });
    assert.deepEqual(bound.map((s) => [s.kind, s.id]), [['rsa', slots[1]?.id]]);
    assert.deepEqual(unlockSlots('000013L8', bound, { privateKey: alice.privateKey }), keys.dataKey);
    assert.deepEqual(rebindSlots('000012L8', '000013L8', slots, keys.dataKey, { passphrase: 'not it' }), []);
  });
});
