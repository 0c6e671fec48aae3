import { createCipheriv, createDecipheriv, createHash, createPublicKey, privateDecrypt, publicEncrypt, randomBytes, scryptSync, constants, type KeyObject } from 'node:crypto';
import { MIN_RSA_BITS, scryptMemory, type KeySlot, type PassphraseSlot, type RsaSlot, type ScryptParams, type WrappedKey } from '../../domain/key-slots';
import { KEY_BYTES } from './tape-keys';

/** scrypt N = 2^17, r = 8, p = 1: 128 MiB and a few tenths of a second per try. */
export const DEFAULT_SCRYPT = { logN: 17, r: 8, p: 1 } as const;

const slotAad = (tape: string, slotId: string): Buffer => Buffer.from(`lto-archive/1 key slot ${tape} ${slotId}`, 'utf8');

const wrap = (kek: Buffer, dataKey: Buffer, aad: Buffer): WrappedKey => {
  const nonce = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', kek, nonce);
  cipher.setAAD(aad);
  const sealed = Buffer.concat([cipher.update(dataKey), cipher.final(), cipher.getAuthTag()]);
  return { aead: 'AES-256-GCM', nonce: nonce.toString('base64'), sealed: sealed.toString('base64') };
};

/** The data key, or undefined: the AEAD tag is the only check that the secret was right. */
const unwrap = (kek: Buffer, wrapped: WrappedKey, aad: Buffer): Buffer | undefined => {
  const sealed = Buffer.from(wrapped.sealed, 'base64');
  if (sealed.length !== KEY_BYTES + 16) return undefined;
  const decipher = createDecipheriv('aes-256-gcm', kek, Buffer.from(wrapped.nonce, 'base64'));
  decipher.setAAD(aad);
  decipher.setAuthTag(sealed.subarray(KEY_BYTES));
  try {
    return Buffer.concat([decipher.update(sealed.subarray(0, KEY_BYTES)), decipher.final()]);
  } catch {
    return undefined;
  }
};

const scryptKey = (passphrase: string, kdf: ScryptParams): Buffer =>
  scryptSync(passphrase.normalize('NFC'), Buffer.from(kdf.salt, 'base64'), KEY_BYTES, {
    N: 2 ** kdf.logN,
    r: kdf.r,
    p: kdf.p,
    maxmem: scryptMemory(kdf.logN, kdf.r) + 16 * 1024 * 1024,
  });

export const newSlotId = (): string => randomBytes(8).toString('hex');

export const passphraseSlot = (
  tape: string,
  dataKey: Buffer,
  passphrase: string,
  created: string,
  cost: { logN: number; r: number; p: number } = DEFAULT_SCRYPT,
): PassphraseSlot => {
  const id = newSlotId();
  const kdf: ScryptParams = { name: 'scrypt', ...cost, salt: randomBytes(32).toString('base64') };
  return { id, kind: 'passphrase', created, kdf, wrap: wrap(scryptKey(passphrase, kdf), dataKey, slotAad(tape, id)) };
};

/** SHA-256 of the public key's DER (SubjectPublicKeyInfo), hex. */
export const publicKeyFingerprint = (key: KeyObject): string =>
  createHash('sha256').update(key.export({ type: 'spki', format: 'der' })).digest('hex');

export const rsaBits = (key: KeyObject): number => key.asymmetricKeyDetails?.modulusLength ?? 0;

export type RsaKeyProblem = 'not an RSA key' | 'RSA key too small';

export const rsaKeyProblem = (key: KeyObject): RsaKeyProblem | undefined => {
  if (key.asymmetricKeyType !== 'rsa') return 'not an RSA key';
  return rsaBits(key) < MIN_RSA_BITS ? 'RSA key too small' : undefined;
};

const OAEP = { padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' } as const;

/** Needs only the public key: the private key can stay offline. */
export const rsaSlot = (tape: string, dataKey: Buffer, publicKey: KeyObject, created: string): RsaSlot => {
  const id = newSlotId();
  const kek = randomBytes(KEY_BYTES);
  return {
    id,
    kind: 'rsa',
    created,
    fingerprint: publicKeyFingerprint(publicKey),
    bits: rsaBits(publicKey),
    kek: publicEncrypt({ key: publicKey, ...OAEP }, kek).toString('base64'),
    wrap: wrap(kek, dataKey, slotAad(tape, id)),
  };
};

export const unlockWithPassphrase = (tape: string, slot: PassphraseSlot, passphrase: string): Buffer | undefined =>
  unwrap(scryptKey(passphrase, slot.kdf), slot.wrap, slotAad(tape, slot.id));

export const unlockWithPrivateKey = (tape: string, slot: RsaSlot, privateKey: KeyObject): Buffer | undefined => {
  if (publicKeyFingerprint(createPublicKey(privateKey)) !== slot.fingerprint) return undefined;
  let kek: Buffer;
  try {
    kek = privateDecrypt({ key: privateKey, ...OAEP }, Buffer.from(slot.kek, 'base64'));
  } catch {
    return undefined;
  }
  return kek.length === KEY_BYTES ? unwrap(kek, slot.wrap, slotAad(tape, slot.id)) : undefined;
};

/** Tries each slot that the secret can open; the data key of the first that opens. */
export const unlockSlots = (
  tape: string,
  slots: readonly KeySlot[],
  secret: { readonly passphrase?: string; readonly privateKey?: KeyObject },
): Buffer | undefined => {
  for (const slot of slots) {
    const key =
      slot.kind === 'passphrase'
        ? secret.passphrase === undefined ? undefined : unlockWithPassphrase(tape, slot, secret.passphrase)
        : secret.privateKey === undefined ? undefined : unlockWithPrivateKey(tape, slot, secret.privateKey);
    if (key !== undefined) return key;
  }
  return undefined;
};

/** The KEK a secret gives for one slot (undefined: this secret is not for that slot), checked by the slot's tag. */
const openedKek = (tape: string, slot: KeySlot, secret: { readonly passphrase?: string; readonly privateKey?: KeyObject }): Buffer | undefined => {
  let kek: Buffer | undefined;
  if (slot.kind === 'passphrase') kek = secret.passphrase === undefined ? undefined : scryptKey(secret.passphrase, slot.kdf);
  else if (secret.privateKey !== undefined && publicKeyFingerprint(createPublicKey(secret.privateKey)) === slot.fingerprint) {
    try {
      kek = privateDecrypt({ key: secret.privateKey, ...OAEP }, Buffer.from(slot.kek, 'base64'));
    } catch {
      kek = undefined;
    }
  }
  return kek !== undefined && kek.length === KEY_BYTES && unwrap(kek, slot.wrap, slotAad(tape, slot.id)) !== undefined ? kek : undefined;
};

/**
 * The slots of `from` that the secret opens, bound again to tape `to`: the same slot (id,
 * KDF and salt, or RSA-wrapped KEK), its data key wrapped anew with `to` in the AAD, so
 * the same passphrase or private key opens the other tape to the same data key. A slot
 * the secret does not open cannot be re-bound (its KEK is unknown): it is left out.
 */
export const rebindSlots = (
  from: string,
  to: string,
  slots: readonly KeySlot[],
  dataKey: Buffer,
  secret: { readonly passphrase?: string; readonly privateKey?: KeyObject },
): KeySlot[] =>
  slots.flatMap((slot): KeySlot[] => {
    const kek = openedKek(from, slot, secret);
    return kek === undefined ? [] : [{ ...slot, wrap: wrap(kek, dataKey, slotAad(to, slot.id)) }];
  });
