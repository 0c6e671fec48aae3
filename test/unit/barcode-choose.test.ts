import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, describe, it } from 'node:test';
import * as bwipjs from 'bwip-js';
import * as E from 'fp-ts/Either';
import type { ScanSource } from '../../application/barcode-errors';
import { cameraAvailable, chooseTapeId } from '../../application/read-barcodes';
import type { Io } from '../../cli/io';
import { chooseFromList, readTapeIdFromScan } from '../../cli/scan-barcode-prompt';
import { makeStyle } from '../../cli/ui/style';
import { tempDir } from '../support/events';

const SOURCE: ScanSource = { kind: 'image', path: 'desk.jpg' };

/** An Io that records what it says, and an Ask that answers from a script (then ends, like Ctrl-D). */
const scripted = (answers: readonly string[]) => {
  const said: string[] = [];
  const questions: string[] = [];
  const remaining = [...answers];
  const io: Io = { out: (t) => said.push(t), err: (t) => said.push(t), style: makeStyle(false), errStyle: makeStyle(false), env: {}, interactive: true };
  const ask = (question: string) => {
    questions.push(question);
    return Promise.resolve(remaining.shift());
  };
  return { io, ask, said, questions };
};

describe('one tape id out of what a picture held', () => {
  it('takes the only barcode read', async () => {
    assert.deepEqual(await chooseTapeId(SOURCE, ['000100L9'], undefined), E.right({ tape: '000100L9', source: SOURCE }));
  });

  it('refuses nothing read, and several when nobody can be asked', async () => {
    assert.deepEqual(await chooseTapeId(SOURCE, [], undefined), E.left({ _tag: 'NoBarcodeFound', source: SOURCE }));
    assert.deepEqual(await chooseTapeId(SOURCE, ['000100L9', '000101L9'], undefined), E.left({ _tag: 'SeveralBarcodes', source: SOURCE, texts: ['000100L9', '000101L9'] }));
  });

  it('applies the typed-barcode rules to what was read, keeping the text', async () => {
    assert.deepEqual(
      await chooseTapeId(SOURCE, ['CLN001L1'], undefined),
      E.left({ _tag: 'ScannedBarcodeRefused', source: SOURCE, text: 'CLN001L1', problem: { _tag: 'CleaningCartridge', input: 'CLN001L1' } }),
    );
  });

  it('asks a person which one, by number or typed out, until the answer is one of them', async () => {
    const { io, ask, said } = scripted(['9', 'nope', '2']);
    assert.deepEqual(await chooseTapeId(SOURCE, ['000100L9', '000101L9'], chooseFromList(io, ask)), E.right({ tape: '000101L9', source: SOURCE }));
    assert.deepEqual(said, ['desk.jpg holds 2 barcodes:', '  1) 000100L9', '  2) 000101L9', '"9" is not one of them.', '"nope" is not one of them.']);

    const typed = scripted(['000100l9']);
    assert.deepEqual(await chooseTapeId(SOURCE, ['000100L9', '000101L9'], chooseFromList(typed.io, typed.ask)), E.right({ tape: '000100L9', source: SOURCE }));
  });

  it('takes an empty answer or the end of input as "none of them"', async () => {
    for (const answers of [[''], []]) {
      const { io, ask } = scripted(answers);
      assert.deepEqual(await chooseTapeId(SOURCE, ['000100L9', '000101L9'], chooseFromList(io, ask)), E.left({ _tag: 'NoBarcodeChosen', source: SOURCE }));
    }
  });
});

describe('readTapeIdFromScan (the menu\'s "scan")', () => {
  const scratch = tempDir('lto-scan-prompt-');
  after(() => scratch.cleanup());

  it('without a camera, asks for a picture (a dragged-in, quoted path will do) and reads it', async (t) => {
    if (cameraAvailable()) return t.skip('this machine has a camera: the menu would use it');
    const picture = path.join(scratch.dir, 'label.png');
    fs.writeFileSync(picture, await bwipjs.toBuffer({ bcid: 'code39', text: '000042L7', scale: 3, height: 12, paddingwidth: 20, paddingheight: 10, backgroundcolor: 'ffffff' }));
    const { io, ask, questions } = scripted([` '${picture}' `]);
    assert.deepEqual(await readTapeIdFromScan(io, ask), E.right({ tape: '000042L7', source: { kind: 'image', path: picture } }));
    assert.equal(questions.length, 1);
    assert.match(questions[0]!, /No camera here\. Picture of the label/);
  });

  it('gives nothing back, and no error, when the person answers nothing', async (t) => {
    if (cameraAvailable()) return t.skip('this machine has a camera: the menu would use it');
    const { io, ask } = scripted(['']);
    assert.deepEqual(await readTapeIdFromScan(io, ask), E.right(undefined));
  });
});
