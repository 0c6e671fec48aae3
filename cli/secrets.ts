import * as fs from 'node:fs';
import * as E from 'fp-ts/Either';
import type { AppError } from '../application/errors';
import type { Secrets } from '../application/unlock';
import { errnoCode } from '../infrastructure/errno';
import type { Io } from './io';
import { askHidden } from './ui/hidden-input';

export interface SecretOptions {
  readonly key?: string;
  readonly passphraseFile?: string;
}

/** A new passphrase shorter than this is refused: it is all that stands between the tape and anyone. */
export const MIN_PASSPHRASE = 8;

const fromFile = (path: string): E.Either<AppError, string> => {
  try {
    // One trailing newline is the file's, not the passphrase's.
    return E.right(fs.readFileSync(path, 'utf8').replace(/\r?\n$/, ''));
  } catch (error) {
    return E.left({ _tag: 'KeyFileUnreadable', path, code: errnoCode(error) });
  }
};

/**
 * Secrets for one command, in this order: --passphrase-file, LTO_PASSPHRASE, then a
 * hidden prompt on a terminal. Off a terminal nothing is asked: undefined, and the use
 * case fails naming the options.
 */
export const cliSecrets = (io: Io, options: SecretOptions): Secrets => {
  const given = async (): Promise<E.Either<AppError, string | undefined>> => {
    if (options.passphraseFile !== undefined) return fromFile(options.passphraseFile);
    const env = io.env.LTO_PASSPHRASE;
    return E.right(env !== undefined && env !== '' ? env : undefined);
  };
  return {
    keyFile: options.key,
    passphrase: async (tape) => {
      const known = await given();
      if (E.isLeft(known) || known.right !== undefined) return known;
      return E.right(io.interactive ? await askHidden(`Passphrase for tape ${tape}: `) : undefined);
    },
    newPassphrase: async (what) => {
      const known = await given();
      if (E.isLeft(known)) return known;
      let passphrase = known.right;
      if (passphrase === undefined) {
        if (!io.interactive) return E.left({ _tag: 'SecretNeeded', what: `a passphrase for ${what}`, options: '--passphrase-file FILE or LTO_PASSPHRASE' });
        passphrase = await askHidden(`New passphrase for ${what}: `);
        const again = await askHidden('The same passphrase again: ');
        if (again !== passphrase) return E.left({ _tag: 'PassphrasesDiffer' });
      }
      if ([...passphrase].length < MIN_PASSPHRASE) {
        return E.left({ _tag: 'EncryptionOptions', problem: `a passphrase needs at least ${MIN_PASSPHRASE} characters` });
      }
      return E.right(passphrase);
    },
    keyPassphrase: async (path) => {
      const env = io.env.LTO_KEY_PASSPHRASE;
      if (env !== undefined && env !== '') return env;
      return io.interactive ? askHidden(`Passphrase of ${path}: `) : undefined;
    },
  };
};

