import type { Command } from 'commander';
import type { KeyObject } from 'node:crypto';
import * as E from 'fp-ts/Either';
import type { AppError } from '../../application/errors';
import { addKeySlot, listKeySlots, type NewSlot, type SlotView } from '../../application/manage-key-slots';
import { tapeIdFromInput } from '../../application/tape-id-input';
import { ok, printJson, withApp, type RunState } from '../action';
import type { GlobalOptions } from '../bootstrap';
import { publicKeysFrom } from '../encryption-options';
import type { Io } from '../io';
import { withKeyOptions } from '../key-options';
import { cliSecrets } from '../secrets';
import { formatTime } from '../ui/format';
import { renderTable } from '../ui/table';

/** One key slot in `tape keys --json` (docs/JSON.md): never anything secret. */
const slotJson = (s: SlotView) => ({ slot: s.id, kind: s.kind, createdAt: s.created, fingerprint: s.fingerprint, detail: s.detail });

export const registerTapeKeys = (tape: Command, io: Io, state: RunState, globals: () => GlobalOptions): void => {
  tape
    .command('keys')
    .description("list an encrypted tape's key slots (kind, created, fingerprint): never anything secret")
    .argument('<tape>', 'tape id (barcode)')
    .option('--json', 'print as JSON')
    .action((id: string, options: { json?: boolean }) =>
      withApp(io, state, globals(), async ({ app }) => {
        const tapeId = tapeIdFromInput(id);
        if (E.isLeft(tapeId)) return tapeId;
        const slots = await listKeySlots(app, tapeId.right);
        if (E.isLeft(slots)) return slots;
        if (options.json === true) printJson(io, { tape: tapeId.right, slots: slots.right.map(slotJson) });
        else {
          io.out(
            renderTable(
              slots.right,
              [
                { header: 'SLOT', value: (s) => s.id },
                { header: 'KIND', value: (s) => s.kind },
                { header: 'CREATED (UTC)', value: (s) => formatTime(s.created) },
                { header: 'FINGERPRINT', value: (s) => s.fingerprint ?? '' },
                { header: 'DETAIL', value: (s) => s.detail },
              ],
              io.style,
            ),
          );
        }
        return ok;
      }),
    );

  const addSlot = tape
    .command('add-slot')
    .description('add a key slot to an encrypted tape (unlock it first with an existing slot)')
    .argument('<tape>', 'tape id (barcode)')
    .option('--public-key <file>', 'the new slot: an RSA public key (PEM, 3072 bits or more)')
    .option('--passphrase', 'the new slot: a passphrase (LTO_NEW_PASSPHRASE or --new-passphrase-file, else asked twice)')
    .option('--new-passphrase-file <file>', 'read the new passphrase from this file')
    .option('--mount <path>', 'where the tape is mounted')
    .option('--json', 'print the result as JSON');
  withKeyOptions(addSlot).action(
    (id: string, options: { publicKey?: string; passphrase?: boolean; newPassphraseFile?: string; mount?: string; json?: boolean; key?: string; passphraseFile?: string }) =>
      withApp(io, state, globals(), async ({ app }) => {
        const tapeId = tapeIdFromInput(id);
        if (E.isLeft(tapeId)) return tapeId;
        if ((options.publicKey === undefined) === (options.passphrase !== true)) {
          return E.left({ _tag: 'EncryptionOptions', problem: 'give exactly one new slot: --public-key FILE or --passphrase' });
        }
        const newSlot = async (): Promise<E.Either<AppError, NewSlot>> => {
          if (options.publicKey !== undefined) return E.map((keys: KeyObject[]): NewSlot => ({ kind: 'rsa', publicKey: keys[0]! }))(publicKeysFrom([options.publicKey]));
          const fresh = cliSecrets({ ...io, env: { ...io.env, LTO_PASSPHRASE: io.env.LTO_NEW_PASSPHRASE ?? '' } }, { passphraseFile: options.newPassphraseFile });
          return E.map((passphrase: string): NewSlot => ({ kind: 'passphrase', passphrase }))(await fresh.newPassphrase(`a new slot of tape ${tapeId.right}`));
        };
        const added = await addKeySlot(app, tapeId.right, cliSecrets(io, options), newSlot, options.mount);
        if (E.isLeft(added)) return added;
        if (options.json === true) printJson(io, { tape: tapeId.right, slot: slotJson(added.right.slot), pending: added.right.pending });
        else {
          const where = added.right.pending ? 'in the catalog; the tape was not writable, so it is pending until the next contact' : "to the tape's journal";
          io.out(`${io.style.green('✓')} Key slot ${added.right.slot.id} (${added.right.slot.kind}) added ${where}`);
        }
        return ok;
      }),
  );
};
