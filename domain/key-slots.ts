import * as t from 'io-ts';
import { Count, IsoTime, checked } from './ids';

/** Standard base64 (what Buffer.toString('base64') writes). */
export const Base64 = checked('Base64', t.string, (s) => s.length % 4 === 0 && /^[A-Za-z0-9+/]*={0,2}$/.test(s));

const Sha256Hex = checked('Sha256Hex', t.string, (s) => /^[0-9a-f]{64}$/.test(s));

/** A slot's id: 16 hex digits, unique on its tape. */
export const SlotId = checked('SlotId', t.string, (s) => /^[0-9a-f]{16}$/.test(s));

/**
 * Limits on scrypt parameters read from a tape: a crafted volume.json must not make
 * an unlock allocate gigabytes or run for hours. 2^20 x r 8 is 1 GiB and about 4 s.
 */
export const SCRYPT_LIMITS = { minLogN: 14, maxLogN: 20, maxR: 16, maxP: 4, maxMemoryBytes: 1024 ** 3 } as const;

/** The memory scrypt needs for these parameters (128 x N x r bytes). */
export const scryptMemory = (logN: number, r: number): number => 128 * 2 ** logN * r;

const scryptWithinLimits = (k: { logN: number; r: number; p: number }): boolean =>
  k.logN >= SCRYPT_LIMITS.minLogN &&
  k.logN <= SCRYPT_LIMITS.maxLogN &&
  k.r >= 1 &&
  k.r <= SCRYPT_LIMITS.maxR &&
  k.p >= 1 &&
  k.p <= SCRYPT_LIMITS.maxP &&
  scryptMemory(k.logN, k.r) <= SCRYPT_LIMITS.maxMemoryBytes;

export const ScryptParams = checked(
  'ScryptParams',
  t.type({ name: t.literal('scrypt'), logN: Count, r: Count, p: Count, salt: Base64 }),
  scryptWithinLimits,
);
export type ScryptParams = t.TypeOf<typeof ScryptParams>;

/** The data key wrapped with AES-256-GCM: `sealed` is the 32-byte ciphertext followed by the 16-byte tag. */
export const WrappedKey = t.type({ aead: t.literal('AES-256-GCM'), nonce: Base64, sealed: Base64 });
export type WrappedKey = t.TypeOf<typeof WrappedKey>;

/** A passphrase slot: scrypt(passphrase) is the key that unwraps the data key. */
export const PassphraseSlot = t.type({
  id: SlotId,
  kind: t.literal('passphrase'),
  created: IsoTime,
  kdf: ScryptParams,
  wrap: WrappedKey,
});
export type PassphraseSlot = t.TypeOf<typeof PassphraseSlot>;

/**
 * An RSA slot: a random key-encryption key, encrypted to the public key with
 * RSA-OAEP-SHA256 (`kek`), unwraps the data key. Only the public key is needed to
 * make it; `fingerprint` is the SHA-256 of the public key's DER (SPKI).
 */
export const RsaSlot = t.type({
  id: SlotId,
  kind: t.literal('rsa'),
  created: IsoTime,
  fingerprint: Sha256Hex,
  bits: checked('RsaBits', Count, (n) => n >= 3072 && n <= 16384),
  kek: Base64,
  wrap: WrappedKey,
});
export type RsaSlot = t.TypeOf<typeof RsaSlot>;

export const KeySlot = t.union([PassphraseSlot, RsaSlot]);
export type KeySlot = t.TypeOf<typeof KeySlot>;

/** What volume.json says of an encrypted tape. */
export const VolumeEncryption = t.type({ cipher: t.literal('AES-256-GCM'), slots: t.array(KeySlot) });
export type VolumeEncryption = t.TypeOf<typeof VolumeEncryption>;

/** The smallest RSA modulus a slot may use. */
export const MIN_RSA_BITS = 3072;
