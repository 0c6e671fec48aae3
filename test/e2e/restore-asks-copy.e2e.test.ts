import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { refused, sandbox, type CliResult, type Sandbox } from '../support/cli';
import { Pty } from '../support/pty';
import { treeFacts } from '../support/trees';

const SRC = '000801L8';
const COPY = '000802L8';

/**
 * Restore that asks for a copy (issue 19, item 3), with the real CLI on folder tapes: the
 * tape asked for is not mounted and neither is its copy, so the restore names both by
 * barcode and location (on a terminal it asks, off one it refuses in one line); a
 * retired copy is never offered nor read.
 */
describe('restore names the copies of a tape that is not mounted, by barcode and location', () => {
  let box: Sandbox;
  let source: string;
  let srcMount: string;
  let copyMount: string;
  const away = (mount: string): string => `${mount}-away`;
  const ok = (r: CliResult): CliResult => {
    assert.equal(r.status, 0, r.stderr);
    return r;
  };

  before(() => {
    box = sandbox();
    source = path.join(box.root, 'source');
    fs.mkdirSync(path.join(source, 'docs'), { recursive: true });
    for (let i = 0; i < 5; i++) fs.writeFileSync(path.join(source, 'docs', `d${i}.txt`), `document ${i}\n`.repeat(500));
    srcMount = box.mountPoint('src');
    copyMount = box.mountPoint('copy');
    ok(box.lto(['tape', 'add', SRC, '--mount', srcMount]));
    ok(box.lto(['tape', 'add', COPY, '--mount', copyMount]));
    ok(box.lto(['backup', SRC, source, '--mount', srcMount]));
    ok(box.lto(['copy', SRC, COPY, '--mount-src', srcMount, '--mount-dst', copyMount]));
    ok(box.lto(['tape', 'move', SRC, '--to', 'Vault B', '--mount', srcMount]));
    // Both cartridges out of their drives: their folders are elsewhere.
    fs.renameSync(srcMount, away(srcMount));
    fs.renameSync(copyMount, away(copyMount));
  });
  after(() => box.cleanup());

  it('off a terminal: one line naming the tape and its copy, each with its location', () => {
    refused(
      box.lto(['restore', SRC, '--to', path.join(box.root, 'nowhere')]),
      3,
      new RegExp(`^error: tape ${SRC} is not mounted \\(looked in .*\\): mount ${SRC} \\(Vault B\\) or its copy ${COPY} \\(library\\) and give --mount PATH$`),
    );
    assert.ok(!fs.existsSync(path.join(box.root, 'nowhere', source)));
  });

  it('on a terminal: asks for either; the copy given is read', async () => {
    const to = path.join(box.root, 'asked');
    const pty = new Pty(['restore', SRC, '--to', to], { HOME: box.root, LTO_HOME: box.home, NO_COLOR: '1' });
    try {
      await pty.waitFor(new RegExp(`Mount ${SRC} \\(Vault B\\) or its copy ${COPY} \\(library\\), and give its mount point`));
      await pty.type(`${away(copyMount)}\r`);
      assert.equal(await pty.exitCode(30_000), 0, pty.text());
    } finally {
      pty.kill();
    }
    assert.match(pty.text(), new RegExp(`${SRC} is not mounted: restoring from its copy on ${COPY}`));
    assert.deepEqual(treeFacts(path.join(to, source)), treeFacts(source));
  });

  it('a retired copy is neither named nor read', () => {
    ok(box.lto(['tape', 'retire', COPY, '--mount', away(copyMount)]));
    refused(box.lto(['restore', SRC, '--to', path.join(box.root, 'retired'), '--mount', away(copyMount)]), 3, new RegExp(`^error: wrong tape mounted at .*: expected ${SRC}, found ${COPY}`));
    refused(box.lto(['restore', SRC, '--to', path.join(box.root, 'retired')]), 3, new RegExp(`^error: tape ${SRC} is not mounted \\(looked in [^)]*\\): mount it and give --mount PATH$`));
    assert.ok(!fs.existsSync(path.join(box.root, 'retired', source)));
  });
});
