import type { Command } from 'commander';
import * as E from 'fp-ts/Either';
import { addTape, type AddTapeResult } from '../../application/add-tape';
import { generationFor } from '../../application/tape-id-input';
import { keyOfTape } from '../../application/unlock';
import { addTapeToSet, existingSet } from '../../application/sets';
import { GENERATIONS } from '../../domain/tape-id';
import { ok, printJson, reportError, withApp, type RunState } from '../action';
import type { GlobalOptions } from '../bootstrap';
import { encryptionFrom } from '../encryption-options';
import type { Io } from '../io';
import { DEFAULT_CAMERA_SECONDS, barcodeFromArguments, parseSeconds } from '../scan-barcode-prompt';
import { cliSecrets } from '../secrets';
import { describeMount } from '../ui/describe-mount';
import { formatBytes, shortId } from '../ui/format';
import { collect, parseSize } from '../ui/parse';

interface Options {
  readonly mount?: string;
  readonly description?: string;
  readonly generation?: string;
  readonly capacity?: string;
  readonly encrypt: string[];
  readonly publicKey: string[];
  readonly passphraseFile?: string;
  readonly keyOf?: string;
  readonly key?: string;
  readonly scan?: string;
  readonly scanCamera?: boolean;
  readonly scanTimeout: string;
  readonly json?: boolean;
  readonly set?: string;
}

export const registerTapeAdd = (tape: Command, io: Io, state: RunState, globals: () => GlobalOptions): void => {
  tape
    .command('add')
    .description('register a tape: initialise a blank volume (writes LTO-ARCHIVE/volume.json and its journal)')
    .argument('[barcode]', 'the cartridge barcode: 6-character volume serial + media code, e.g. 000012L5 (or --scan / --scan-camera)')
    .option('--mount <path>', 'where the tape is mounted (LTFS mount point or a folder standing in for a tape)')
    .option('--description <text>', 'what is on it, for people', '')
    .option('--generation <code>', 'LTO generation when the media code does not say it (L5 L6 L7 M8 L8 L9 LA PA)')
    .option('--capacity <size>', 'what the cartridge holds when less than its generation\'s native capacity (e.g. 500GiB; a folder standing in for a small tape)')
    .option('--encrypt <kind>', 'encrypt the tape, with a key slot of this kind: passphrase or rsa (repeatable)', collect, [])
    .option('--public-key <file>', 'an RSA public key (PEM, 3072 bits or more) for an rsa slot (repeatable)', collect, [])
    .option('--passphrase-file <file>', 'read the passphrase from this file (else LTO_PASSPHRASE, else asked twice)')
    .option('--key-of <tape>', "encrypt with the data key of this encrypted tape (unlocked with its passphrase or --key), so that `lto copy` of its jobs keeps them sealed as they are; its slots that the secret opens are bound to the new tape")
    .option('--key <file>', 'with --key-of: the private key (PEM) that opens an RSA slot of that tape')
    .option('--scan <picture>', 'read the barcode from a JPEG or PNG photo of the label')
    .option('--scan-camera', 'read the barcode with the camera (needs ffmpeg): frames are read until one is seen')
    .option('--scan-timeout <seconds>', 'how long --scan-camera looks', String(DEFAULT_CAMERA_SECONDS))
    .option('--set <name>', 'put the new tape in this tape set (`lto set create` first)')
    .option('--json', 'print the result as JSON')
    .action(async (typed: string | undefined, options: Options) => {
      // The barcode is read (typed, pictured or filmed) before the catalog is opened.
      const seconds = parseSeconds('--scan-timeout', options.scanTimeout);
      const barcode = E.isLeft(seconds)
        ? seconds
        : await barcodeFromArguments(io, { typed, scan: options.scan, scanCamera: options.scanCamera === true, timeoutSeconds: seconds.right });
      if (E.isLeft(barcode)) {
        state.exitCode = reportError(io, barcode.left);
        return;
      }
      await withApp(io, state, globals(), async ({ app }) => {
        const id = generationFor(barcode.right, options.generation);
        if (E.isLeft(id)) return id;
        // An unknown set is refused before the tape is touched.
        const set = options.set === undefined ? undefined : await existingSet(app, options.set);
        if (set !== undefined && E.isLeft(set)) return set;
        const capacityBytes = options.capacity === undefined ? undefined : parseSize(options.capacity);
        if (options.capacity !== undefined && capacityBytes === undefined) {
          return E.left({ _tag: 'InvalidOption', option: '--capacity', value: options.capacity, expected: 'a size such as 500GiB or 8MiB' });
        }
        if (options.key !== undefined && options.keyOf === undefined) return E.left({ _tag: 'InvalidOption', option: '--key', value: options.key, expected: 'only with --key-of' });
        const secrets = cliSecrets(io, { passphraseFile: options.passphraseFile, ...(options.key === undefined ? {} : { key: options.key }) });
        // The other tape is unlocked first: its passphrase is asked before any new one.
        const keyOf = options.keyOf === undefined ? undefined : await keyOfTape(app, options.keyOf, secrets);
        if (keyOf !== undefined && E.isLeft(keyOf)) return keyOf;
        const asked = await encryptionFrom(id.right.tape, options.encrypt, options.publicKey, secrets);
        if (E.isLeft(asked)) return asked;
        const encryption = keyOf === undefined ? asked.right : { passphrase: undefined, publicKeys: [], ...asked.right, keyOf: keyOf.right };
        const result = await addTape(app, {
          barcode: barcode.right,
          mount: options.mount,
          description: options.description ?? '',
          generation: options.generation,
          ...(capacityBytes === undefined ? {} : { capacityBytes }),
          encryption,
        });
        if (E.isLeft(result)) return result;
        const joined = set === undefined ? undefined : await addTapeToSet(app, set.right.set, result.right.tape, result.right.mount);
        if (joined !== undefined && E.isLeft(joined)) return joined;
        if (options.json === true) {
          const { slots, ...added } = result.right;
          printJson(io, { ...added, keySlots: slots, set: set?.right.set ?? null });
        }
        else printAdded(io, result.right, set?.right.set);
        return ok;
      });
    });
};

const printAdded = (io: Io, r: AddTapeResult, set: string | undefined): void => {
  const s = io.style;
  const what = r.outcome === 'initialised' ? 'added and initialised' : 'was already initialised on this volume: its journal was read into the catalog';
  io.out(`${s.green('✓')} Tape ${s.bold(r.tape)} ${what}`);
  const native = GENERATIONS[r.generation].capacityBytes;
  io.out(`  ${GENERATIONS[r.generation].name}, ${formatBytes(r.capacityBytes)} ${r.capacityBytes === native ? 'native' : `(of ${formatBytes(native)} native)`}`);
  if (r.slots > 0) io.out(`  encrypted (AES-256-GCM), ${r.slots} key slot${r.slots === 1 ? '' : 's'}: ${s.yellow('without one of their secrets the tape cannot be read')}`);
  io.out(`  ${describeMount(r.mount, r.via, s)}`);
  if (r.job !== '') io.out(`  job ${shortId(r.job)} ADD_TAPE ${s.green('SUCCESS')}`);
  if (set !== undefined) io.out(`  in tape set ${s.bold(set)}`);
};
