import type { Command } from 'commander';
import * as E from 'fp-ts/Either';
import type { App } from '../application/app';
import type { AppError } from '../application/errors';
import { tapeIdFromInput } from '../application/tape-id-input';
import { sealedNames } from '../application/entry-names';
import { unlockIfEncrypted, unlockTape, type Unlocked } from '../application/unlock';
import type { NameDecoder } from '../application/search';
import type { Io } from './io';
import { cliSecrets, type SecretOptions } from './secrets';

/** --key and --passphrase-file, on every command that reads or writes an encrypted tape. */
export const withKeyOptions = (command: Command): Command =>
  command
    .option('--key <file>', 'private key (PEM) for an encrypted tape with an RSA slot (its passphrase: LTO_KEY_PASSPHRASE, else asked)')
    .option('--passphrase-file <file>', 'passphrase of an encrypted tape, read from this file (else LTO_PASSPHRASE, else asked)');

/**
 * Unlocks the tape named on the command line if it is encrypted (a plain or unknown
 * tape: nothing to do; the use case reports an unknown one). Once per command.
 */
export const unlockForCommand = async (io: Io, app: App, tape: string, options: SecretOptions): Promise<E.Either<AppError, Unlocked | undefined>> => {
  const parsed = tapeIdFromInput(tape);
  if (E.isLeft(parsed)) return E.right(undefined);
  return unlockIfEncrypted(app, parsed.right, cliSecrets(io, options));
};

/** Whether a secret can be had without failing: an option, the environment, or a terminal to ask on. */
export const secretAvailable = (io: Io, options: SecretOptions): boolean =>
  options.key !== undefined || options.passphraseFile !== undefined || (io.env.LTO_PASSPHRASE ?? '') !== '' || io.interactive;

/**
 * For commands that read names across tapes (search, the audit export): every encrypted
 * tape that the secret given opens (`--key`, `--passphrase-file`, LTO_PASSPHRASE; nothing
 * is asked) gets a decoder; the others stay locked and are counted as such.
 */
export const nameDecodersFor = async (io: Io, app: App, options: SecretOptions, onlyTape?: string): Promise<ReadonlyMap<string, NameDecoder>> => {
  const decoders = new Map<string, NameDecoder>();
  const given = options.key !== undefined || options.passphraseFile !== undefined || (io.env.LTO_PASSPHRASE ?? '') !== '';
  if (!given) return decoders;
  const secrets = cliSecrets({ ...io, interactive: false }, options);
  for (const tape of await app.catalog.tapes()) {
    if (!tape.encrypted || (onlyTape !== undefined && tape.id !== onlyTape)) continue;
    const parsed = tapeIdFromInput(tape.id);
    if (E.isLeft(parsed)) continue;
    const keys = await unlockTape(app, parsed.right, secrets);
    if (E.isRight(keys)) {
      const names = sealedNames(keys.right.names);
      decoders.set(tape.id, (stored) => names.open(stored));
    }
  }
  return decoders;
};
