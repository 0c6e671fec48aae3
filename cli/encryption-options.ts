import type { KeyObject } from 'node:crypto';
import * as E from 'fp-ts/Either';
import type { AddTapeInput } from '../application/add-tape';
import type { AppError } from '../application/errors';
import type { Secrets } from '../application/unlock';
import type { TapeId } from '../domain/tape-id';
import { loadPublicKey } from '../infrastructure/crypto/key-files';
import { rsaKeyProblem } from '../infrastructure/crypto/key-slot-sealing';
import { MIN_RSA_BITS } from '../domain/key-slots';

/** `--public-key` files as RSA public keys of at least MIN_RSA_BITS. */
export const publicKeysFrom = (files: readonly string[]): E.Either<AppError, KeyObject[]> => {
  const keys: KeyObject[] = [];
  for (const file of files) {
    const key = loadPublicKey(file);
    if ('_tag' in key) return E.left(key);
    const problem = rsaKeyProblem(key);
    if (problem !== undefined) {
      return E.left({ _tag: 'EncryptionOptions', problem: `${file}: ${problem} (RSA slots need ${MIN_RSA_BITS} bits or more)` });
    }
    keys.push(key);
  }
  return E.right(keys);
};

/**
 * `--encrypt passphrase|rsa` (repeatable) and `--public-key FILE` (repeatable) → the
 * slots to create. rsa needs at least one public key; a public key implies rsa.
 */
export const encryptionFrom = async (
  tape: TapeId,
  kinds: readonly string[],
  publicKeyFiles: readonly string[],
  secrets: Secrets,
): Promise<E.Either<AppError, AddTapeInput['encryption']>> => {
  const unknown = kinds.find((k) => k !== 'passphrase' && k !== 'rsa');
  if (unknown !== undefined) return E.left({ _tag: 'InvalidOption', option: '--encrypt', value: unknown, expected: 'passphrase or rsa' });
  if (kinds.includes('rsa') && publicKeyFiles.length === 0) return E.left({ _tag: 'EncryptionOptions', problem: '--encrypt rsa needs --public-key FILE' });
  if (kinds.length === 0 && publicKeyFiles.length === 0) return E.right(undefined);
  const publicKeys = publicKeysFrom(publicKeyFiles);
  if (E.isLeft(publicKeys)) return publicKeys;
  let passphrase: string | undefined;
  if (kinds.includes('passphrase')) {
    const asked = await secrets.newPassphrase(`tape ${tape}`);
    if (E.isLeft(asked)) return asked;
    passphrase = asked.right;
  }
  return E.right({ passphrase, publicKeys: publicKeys.right });
};
