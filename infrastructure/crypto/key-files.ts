import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import * as fs from 'node:fs';
import { errnoCode } from '../errno';

export type KeyFileProblem =
  | { readonly _tag: 'KeyFileUnreadable'; readonly path: string; readonly code: string }
  | { readonly _tag: 'KeyFileInvalid'; readonly path: string; readonly reason: string }
  | { readonly _tag: 'KeyPassphraseWrong'; readonly path: string };

const readKeyFile = (path: string): Buffer | KeyFileProblem => {
  try {
    return fs.readFileSync(path);
  } catch (error) {
    return { _tag: 'KeyFileUnreadable', path, code: errnoCode(error) };
  }
};

export const loadPublicKey = (path: string): KeyObject | KeyFileProblem => {
  const pem = readKeyFile(path);
  if (!Buffer.isBuffer(pem)) return pem;
  try {
    return createPublicKey(pem);
  } catch {
    return { _tag: 'KeyFileInvalid', path, reason: 'not a PEM public key (or certificate)' };
  }
};

const isEncryptedPem = (pem: Buffer): boolean => pem.includes('ENCRYPTED PRIVATE KEY') || pem.includes('Proc-Type: 4,ENCRYPTED');

/** Whether the private key file is encrypted (needs its own passphrase). */
export const isEncryptedKeyFile = (path: string): boolean | KeyFileProblem => {
  const pem = readKeyFile(path);
  return Buffer.isBuffer(pem) ? isEncryptedPem(pem) : pem;
};

/** A private key; `passphrase` is used only when the file is encrypted. */
export const loadPrivateKey = (path: string, passphrase: string | undefined): KeyObject | KeyFileProblem => {
  const pem = readKeyFile(path);
  if (!Buffer.isBuffer(pem)) return pem;
  if (!pem.includes('PRIVATE KEY')) return { _tag: 'KeyFileInvalid', path, reason: 'not a PEM private key' };
  const secret = isEncryptedPem(pem) ? (passphrase ?? '') : undefined;
  try {
    return createPrivateKey(secret === undefined ? pem : { key: pem, passphrase: secret });
  } catch {
    return secret === undefined ? { _tag: 'KeyFileInvalid', path, reason: 'not a usable private key' } : { _tag: 'KeyPassphraseWrong', path };
  }
};

export interface GeneratedKeyPair {
  readonly publicPem: string;
  readonly privatePem: string;
}

/** An RSA key pair; the private key as PKCS#8 PEM encrypted with AES-256-CBC under `passphrase` (scrypt-free PBKDF2, what OpenSSL reads). */
export const generateRsaKeyPair = (bits: number, passphrase: string): GeneratedKeyPair => {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', {
    modulusLength: bits,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase },
  });
  return { publicPem: publicKey, privatePem: privateKey };
};
