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

/** A private key; `passphrase` is asked for only when the file is encrypted. */
export const loadPrivateKey = (path: string, passphrase: () => string | KeyFileProblem): KeyObject | KeyFileProblem => {
  const pem = readKeyFile(path);
  if (!Buffer.isBuffer(pem)) return pem;
  if (!pem.includes('PRIVATE KEY')) return { _tag: 'KeyFileInvalid', path, reason: 'not a PEM private key' };
  let secret: string | undefined;
  if (isEncryptedPem(pem)) {
    const given = passphrase();
    if (typeof given !== 'string') return given;
    secret = given;
  }
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
