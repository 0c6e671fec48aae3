import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { REPO_ROOT, sandbox, type Sandbox } from '../support/cli';

const BIN = path.join(REPO_ROOT, 'bin', 'lto.js');

/**
 * Runs the CLI on a real pseudo-terminal (util-linux `script`), typing `answers` one
 * line at a time once the prompt has had time to appear.
 */
const onTerminal = (box: Sandbox, args: readonly string[], answers: readonly string[]): { status: number | null; screen: string } => {
  const typed = answers.map((a) => `sleep 1.2; printf '%s\\r' '${a}';`).join(' ');
  const command = `${process.execPath} ${BIN} ${args.join(' ')}`;
  const r = spawnSync('bash', ['-c', `(${typed} sleep 2) | script -qfec "${command}" /dev/null`], {
    encoding: 'utf8',
    env: { PATH: process.env['PATH'], HOME: box.root, LTO_HOME: box.home, NO_COLOR: '1', TERM: 'dumb' },
    timeout: 30_000,
  });
  return { status: r.status, screen: r.stdout };
};

describe('passphrases asked on a terminal', () => {
  let box: Sandbox;
  before(() => {
    box = sandbox();
  });
  after(() => box.cleanup());

  it('asks twice for a new tape passphrase, never echoing it, and the tape opens with it', () => {
    const secret = 'typed on the terminal';
    const added = onTerminal(box, ['tape', 'add', '000061L8', '--encrypt', 'passphrase'], [secret, secret]);
    assert.equal(added.status, 0, added.screen);
    assert.match(added.screen, /New passphrase for tape 000061L8/);
    assert.match(added.screen, /The same passphrase again/);
    assert.equal(added.screen.includes(secret), false, 'the passphrase was echoed');
    const keys = box.lto(['tape', 'keys', '000061L8', '--json']);
    assert.equal(keys.status, 0, keys.stderr);
    const browse = box.lto(['browse', '000061L8', '--json'], { LTO_PASSPHRASE: secret });
    // No backup yet: the unlock itself succeeded, the tape simply holds nothing.
    assert.match(browse.stderr, /holds no backup yet/);
  });

  it('refuses two different passphrases and writes nothing', () => {
    const r = onTerminal(box, ['tape', 'add', '000062L8', '--encrypt', 'passphrase'], ['first passphrase', 'second passphrase']);
    assert.equal(r.status, 2, r.screen);
    assert.match(r.screen, /the two passphrases differ/);
    assert.equal(box.lto(['tape', 'show', '000062L8']).status, 3);
  });
});
