import type { Command } from 'commander';
import * as fs from 'node:fs';
import * as E from 'fp-ts/Either';
import { printJson } from '../json';
import { MIN_RSA_BITS } from '../../domain/key-slots';
import { generateRsaKeyPair } from '../../infrastructure/crypto/key-files';
import { publicKeyFingerprint } from '../../infrastructure/crypto/key-slot-sealing';
import { createPublicKey } from 'node:crypto';
import { errnoCode } from '../../infrastructure/errno';
import { reportError, type RunState } from '../action';
import { EXIT } from '../exit-codes';
import type { Io } from '../io';
import { cliSecrets } from '../secrets';

interface Options {
  readonly out: string;
  readonly bits: string;
  readonly passphraseFile?: string;
  readonly json?: boolean;
}

/** Files are created exclusively: a key pair is never overwritten (that would lose every tape it opens). */
const writeNew = (path: string, text: string, mode: number): string | undefined => {
  try {
    fs.writeFileSync(path, text, { flag: 'wx', mode });
    return undefined;
  } catch (error) {
    return errnoCode(error);
  }
};

export const registerKeyGenerate = (program: Command, io: Io, state: RunState): void => {
  const key = program.command('key').description('RSA key pairs for encrypted tapes');
  key
    .command('generate')
    .description('write NAME.pub.pem (public, for tape add --public-key) and NAME.key.pem (private, encrypted with a passphrase)')
    .requiredOption('--out <name>', 'file name prefix, e.g. alice → alice.pub.pem + alice.key.pem')
    .option('--bits <n>', `RSA modulus size (at least ${MIN_RSA_BITS})`, '3072')
    .option('--passphrase-file <file>', "the private key's passphrase, from a file (else LTO_KEY_PASSPHRASE, else asked twice)")
    .option('--json', 'print the result as JSON')
    .action(async (options: Options) => {
      const bits = Number(options.bits);
      if (!Number.isInteger(bits) || bits < MIN_RSA_BITS || bits > 16384) {
        state.exitCode = reportError(io, { _tag: 'InvalidOption', option: '--bits', value: options.bits, expected: `a whole number from ${MIN_RSA_BITS} to 16384` });
        return;
      }
      const pub = `${options.out}.pub.pem`;
      const priv = `${options.out}.key.pem`;
      for (const file of [pub, priv]) {
        if (fs.existsSync(file)) {
          state.exitCode = reportError(io, { _tag: 'EncryptionOptions', problem: `${file} already exists: a key pair is never overwritten` });
          return;
        }
      }
      const secrets = cliSecrets({ ...io, env: { ...io.env, LTO_PASSPHRASE: io.env.LTO_KEY_PASSPHRASE ?? '' } }, { passphraseFile: options.passphraseFile });
      const passphrase = await secrets.newPassphrase(`key ${options.out}`);
      if (E.isLeft(passphrase)) {
        state.exitCode = reportError(io, passphrase.left);
        return;
      }
      const pair = generateRsaKeyPair(bits, passphrase.right);
      for (const [file, text, mode] of [[pub, pair.publicPem, 0o644], [priv, pair.privatePem, 0o600]] as const) {
        const failed = writeNew(file, text, mode);
        if (failed !== undefined) {
          state.exitCode = reportError(io, { _tag: 'KeyFileUnreadable', path: file, code: failed });
          return;
        }
      }
      const fingerprint = publicKeyFingerprint(createPublicKey(pair.publicPem));
      if (options.json === true) printJson(io, { publicKey: pub, privateKey: priv, bits, fingerprint });
      else {
        io.out(`${io.style.green('✓')} ${pub} and ${priv} (RSA ${bits}, fingerprint ${fingerprint.slice(0, 16)}…)`);
      }
      io.err(
        `${io.errStyle.yellow('warning:')} keep ${priv} and its passphrase safe, apart from the tapes: a tape whose every slot's secret is lost can never be read again.`,
      );
      state.exitCode = EXIT.OK;
    });
};
