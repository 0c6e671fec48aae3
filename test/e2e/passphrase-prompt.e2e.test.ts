import * as assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sandbox, type Sandbox } from '../support/cli';
import { Pty } from '../support/pty';

const LEFT = '\u001b[D';
const RIGHT = '\u001b[C';
const BACKSPACE = '\u007f';

describe('passphrases asked on a terminal', () => {
  let box: Sandbox;
  before(() => {
    box = sandbox();
  });
  after(() => box.cleanup());

  const onTerminal = (args: readonly string[]): Pty => new Pty(args, { HOME: box.root, LTO_HOME: box.home, NO_COLOR: '1' });

  /** Adds an encrypted tape, typing each answer once its prompt is on the screen. */
  const addEncrypted = async (tape: string, first: string, second: string): Promise<{ status: number | null; screen: string }> => {
    const pty = onTerminal(['tape', 'add', tape, '--encrypt', 'passphrase']);
    await pty.waitFor(new RegExp(`New passphrase for tape ${tape}`));
    await pty.type(`${first}\r`);
    await pty.waitFor(/The same passphrase again/);
    await pty.type(`${second}\r`);
    const status = await pty.exitCode(30_000);
    return { status, screen: pty.text() };
  };

  const opensWith = (tape: string, passphrase: string): void => {
    const browse = box.lto(['browse', tape, '--json'], { LTO_PASSPHRASE: passphrase });
    // No backup yet: the unlock itself succeeded, the tape simply holds nothing.
    assert.match(browse.stderr, /holds no backup yet/);
  };

  it('asks twice for a new tape passphrase, never echoing it, and the tape opens with it', async () => {
    const secret = 'typed on the terminal';
    const added = await addEncrypted('000061L8', secret, secret);
    assert.equal(added.status, 0, added.screen);
    assert.equal(added.screen.includes(secret), false, 'the passphrase was echoed');
    assert.equal(box.lto(['tape', 'keys', '000061L8', '--json']).status, 0);
    opensWith('000061L8', secret);
  });

  it('keeps arrow keys out of the passphrase and backspace removes a whole character', async () => {
    // Typed: "secret" ← → "-word🙂" ⌫ : the arrows move the cursor; the emoji (a surrogate pair) goes whole.
    const typed = `secret${LEFT}${RIGHT}-word🙂${BACKSPACE}`;
    const added = await addEncrypted('000063L8', typed, typed);
    assert.equal(added.status, 0, added.screen);
    opensWith('000063L8', 'secret-word');
  });

  it('refuses two different passphrases and writes nothing', async () => {
    const r = await addEncrypted('000062L8', 'first passphrase', 'second passphrase');
    assert.equal(r.status, 2, r.screen);
    assert.match(r.screen, /the two passphrases differ/);
    assert.equal(box.lto(['tape', 'show', '000062L8']).status, 3);
  });

  it('ends with 130 on Ctrl-C at the prompt and adds no tape', async () => {
    const pty = onTerminal(['tape', 'add', '000064L8', '--encrypt', 'passphrase']);
    await pty.waitFor(/New passphrase for tape 000064L8/);
    await pty.type('\u0003');
    assert.equal(await pty.exitCode(), 130);
    assert.equal(box.lto(['tape', 'show', '000064L8']).status, 3);
  });
});
