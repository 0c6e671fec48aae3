import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterEach, before, beforeEach, describe, it } from 'node:test';
import * as bwipjs from 'bwip-js';
import { sheetGrid } from '../../infrastructure/barcode/sheet-layout';
import { sandbox, type Sandbox } from '../support/cli';
import { blank, blur, encodePng, photoNoise, readPgm, renderPdfPages, rotate, loadPdfRenderer } from '../support/images';

const DPI = 300;
const px = (mm: number): number => Math.round((mm * DPI) / 25.4);

describe('lto barcode and lto tape add --scan (real CLI)', () => {
  before(loadPdfRenderer);
  let box: Sandbox;
  beforeEach(() => {
    box = sandbox();
  });
  afterEach(() => box.cleanup());

  const file = (name: string): string => path.join(box.root, name);

  /** Prints the labels with the CLI and renders the sheet's first page (or just its first label) as a picture. */
  const labelPicture = (ids: readonly string[], format: 'png' | 'jpeg' | 'pgm', only: 'first-label' | 'page'): string => {
    const pdf = file(`${ids.join('-')}.pdf`);
    const printed = box.lto(['barcode', 'print', ...ids, '--pdf', pdf]);
    assert.equal(printed.status, 0, printed.stderr);
    const grid = sheetGrid('a4');
    // The first label with white paper around it (less below: the next row starts 2 mm down).
    const region = { x: px(grid.left - 3), y: px(grid.top - 3), w: px(78.2 + 6), h: px(16.9 + 4.5) };
    const [picture] = renderPdfPages(pdf, DPI, only === 'page' ? { format } : { format, region });
    return picture!;
  };

  const codePicture = async (text: string): Promise<string> => {
    const png = await bwipjs.toBuffer({ bcid: 'code39', text, scale: 3, height: 12, paddingwidth: 20, paddingheight: 10, backgroundcolor: 'ffffff' });
    const target = file(`${text}.png`);
    fs.writeFileSync(target, png);
    return target;
  };

  it('reads the id from a JPEG of a printed label and prints just the id', () => {
    const scanned = box.lto(['barcode', 'scan', labelPicture(['000100L9'], 'jpeg', 'first-label')]);
    assert.equal(scanned.status, 0, scanned.stderr);
    assert.equal(scanned.stdout, '000100L9\n');
  });

  it('still reads a photo-like picture: tilted 4 degrees, out of focus, noisy and unevenly lit', () => {
    const label = readPgm(labelPicture(['000119L9'], 'pgm', 'first-label'));
    const photo = photoNoise(blur(rotate(label, 4, 60), 2), 40, 0.35);
    const photoFile = file('photo.png');
    fs.writeFileSync(photoFile, encodePng(photo));
    const scanned = box.lto(['barcode', 'scan', photoFile, '--json']);
    assert.equal(scanned.status, 0, scanned.stderr);
    assert.deepEqual(JSON.parse(scanned.stdout), { schema: 1, tape: '000119L9', mediaCode: 'L9', generation: 'L9', source: photoFile });
  });

  it('adds a tape whose id is read from a photo of its label', () => {
    const mount = box.mountPoint('ltfs');
    const added = box.lto(['tape', 'add', '--scan', labelPicture(['000012L5'], 'jpeg', 'first-label'), '--mount', mount]);
    assert.equal(added.status, 0, added.stderr);
    assert.match(added.stderr, /Read 000012L5 from /);
    const tapes = box.json<{ tapes: { tape: string; generation: string }[] }>(['tape', 'list']).tapes;
    assert.deepEqual(
      tapes.map((t) => [t.tape, t.generation]),
      [['000012L5', 'L5']],
    );
  });

  it('needs --generation for a scanned media code that does not name one, as for a typed one', async () => {
    const picture = await codePicture('000200QX');
    const refused = box.lto(['tape', 'add', '--scan', picture, '--mount', box.mountPoint('a')]);
    assert.equal(refused.status, 2);
    assert.match(refused.stderr, /cannot tell the LTO generation from "000200QX" \(media code QX\): give --generation/);
    const added = box.lto(['tape', 'add', '--scan', picture, '--generation', 'LA', '--mount', box.mountPoint('b')]);
    assert.equal(added.status, 0, added.stderr);
    assert.deepEqual(
      box.json<{ tapes: { tape: string; generation: string }[] }>(['tape', 'list']).tapes.map((t) => [t.tape, t.generation]),
      [['000200QX', 'LA']],
    );
  });

  it('says what it read and why it refuses a cleaning cartridge, and adds nothing', async () => {
    const picture = await codePicture('CLN001L1');
    const added = box.lto(['tape', 'add', '--scan', picture, '--mount', box.mountPoint('ltfs')]);
    assert.equal(added.status, 2);
    assert.equal(added.stderr, `error: read "CLN001L1" from ${picture}, refused: CLN001L1 is a cleaning cartridge (CLN...), not a data tape\n`);
    assert.deepEqual(box.json(['tape', 'list']), { schema: 1, tapes: [] });
  });

  it('refuses a barcode that is not a tape id, quoting it', async () => {
    const picture = await codePicture('HELLO');
    const scanned = box.lto(['barcode', 'scan', picture]);
    assert.equal(scanned.status, 2);
    assert.match(scanned.stderr, /^error: read "HELLO" from .*HELLO\.png, refused: "HELLO" is not an LTO barcode/);
    assert.equal(scanned.stdout, '');
  });

  it('lists the barcodes of a picture with several and refuses to pick one when nobody can be asked', () => {
    const page = labelPicture(['000100L9', '000102L9'], 'png', 'page');
    const scanned = box.lto(['barcode', 'scan', page]);
    assert.equal(scanned.status, 2);
    assert.match(scanned.stderr, /^error: .* holds 3 barcodes \(.*\): run this on a terminal to choose one/);
    for (const id of ['000100L9', '000101L9', '000102L9']) assert.ok(scanned.stderr.includes(`"${id}"`), scanned.stderr);
    assert.equal(scanned.stderr.trim().split('\n').length, 1);
  });

  it('--all lists every barcode of a shelf photo: one id a line, or JSON with each one\'s media code', () => {
    const shelf = photoNoise(blur(rotate(readPgm(labelPicture(['000100L9', '000102L9'], 'pgm', 'page')), 2, 40), 1), 30, 0.3);
    const photo = file('shelf.png');
    fs.writeFileSync(photo, encodePng(shelf));
    const listed = box.lto(['barcode', 'scan', photo, '--all']);
    assert.equal(listed.status, 0, listed.stderr);
    assert.deepEqual(listed.stdout.trim().split('\n').sort(), ['000100L9', '000101L9', '000102L9']);
    const json = box.lto(['barcode', 'scan', photo, '--all', '--json']);
    assert.equal(json.status, 0, json.stderr);
    const parsed = JSON.parse(json.stdout) as { source: string; barcodes: { text: string; tape: string | null; generation: string | null; refused: string | null }[] };
    assert.equal(parsed.source, photo);
    assert.deepEqual(parsed.barcodes.map((b) => [b.tape, b.generation, b.refused]).sort(), [['000100L9', 'L9', null], ['000101L9', 'L9', null], ['000102L9', 'L9', null]]);
  });

  it('--all names a barcode that is not a tape id, and exits 1 when none is', async () => {
    const picture = await codePicture('HELLO');
    const listed = box.lto(['barcode', 'scan', picture, '--all']);
    assert.equal(listed.status, 1);
    assert.match(listed.stdout, /^HELLO {2}not a tape id: "HELLO" is not an LTO barcode/);
    assert.equal(box.lto(['barcode', 'scan', '--camera', '--all']).status, 2);
  });

  it('says so when a picture holds no barcode, or is not a JPEG or PNG', () => {
    const empty = file('empty.png');
    fs.writeFileSync(empty, encodePng(blank(400, 200)));
    const none = box.lto(['barcode', 'scan', empty]);
    assert.equal(none.status, 1);
    assert.equal(none.stderr, `error: no barcode found in ${empty}\n`);

    const text = file('notes.txt');
    fs.writeFileSync(text, '000100L9\n');
    const notImage = box.lto(['barcode', 'scan', text]);
    assert.equal(notImage.status, 2);
    assert.equal(notImage.stderr, `error: ${text} is not a JPEG or PNG picture\n`);
  });

  it('says in one line that there is no camera, before touching the catalog', (t) => {
    if (fs.readdirSync('/dev').some((name) => /^video\d+$/.test(name))) {
      t.skip('this machine has a video device: the no-camera path cannot be seen here');
      return;
    }
    const added = box.lto(['tape', 'add', '--scan-camera']);
    assert.equal(added.status, 5);
    assert.equal(added.stderr, 'error: no camera on this machine (no /dev/video*): use --scan PICTURE or type the barcode\n');
    assert.equal(fs.existsSync(path.join(box.home, 'catalog.db')), false);
    const scanned = box.lto(['barcode', 'scan', '--camera']);
    assert.equal(scanned.status, 5);
    assert.equal(scanned.stderr.trim().split('\n').length, 1);
  });

  it('takes exactly one of a typed barcode, --scan and --scan-camera', () => {
    const none = box.lto(['tape', 'add']);
    assert.equal(none.status, 2);
    assert.equal(none.stderr, 'error: give one of: the barcode, --scan PICTURE, --scan-camera\n');
    const both = box.lto(['tape', 'add', '000012L5', '--scan', 'photo.jpg']);
    assert.equal(both.status, 2);
    assert.equal(both.stderr, 'error: give only one of: the barcode, --scan PICTURE\n');
  });
});

describe('lto barcode print (real CLI)', () => {
  let box: Sandbox;
  beforeEach(() => {
    box = sandbox();
  });
  afterEach(() => box.cleanup());

  it('says how many labels it wrote on how many pages', () => {
    const pdf = path.join(box.root, 'labels.pdf');
    const printed = box.lto(['barcode', 'print', '000100L9', '000119L9', '--pdf', pdf, '--paper', 'letter']);
    assert.equal(printed.status, 0, printed.stderr);
    assert.equal(printed.stdout, `✓ 20 labels (000100L9 … 000119L9) on 1 page of US Letter: ${pdf}\n`);
    assert.equal(fs.readFileSync(pdf).subarray(0, 5).toString('latin1'), '%PDF-');
  });

  it('refuses a range whose ends differ in more than their last digits, writing nothing', () => {
    const pdf = path.join(box.root, 'labels.pdf');
    const printed = box.lto(['barcode', 'print', '000100L9', '000119L8', '--pdf', pdf]);
    assert.equal(printed.status, 2);
    assert.equal(printed.stderr, 'error: 000100L9 to 000119L8 is not a range of labels: the media codes differ (L9, L8)\n');
    assert.equal(fs.existsSync(pdf), false);
  });

  it('prints the tapes that carry a label, and says so when none does', () => {
    const none = box.lto(['barcode', 'print', '--label', 'offsite', '--pdf', path.join(box.root, 'none.pdf')]);
    assert.notEqual(none.status, 0);
    assert.match(none.stderr, /offsite/);
    for (const tape of ['000201L9', '000202L9']) assert.equal(box.lto(['tape', 'add', tape]).status, 0);
    assert.equal(box.lto(['label', 'create', 'offsite', '--color', '#ff8800']).status, 0);
    assert.equal(box.lto(['label', 'assign', '000202L9', 'offsite']).status, 0);
    const pdf = path.join(box.root, 'offsite.pdf');
    const printed = box.lto(['barcode', 'print', '--label', 'offsite', '--pdf', pdf, '--json']);
    assert.equal(printed.status, 0, printed.stderr);
    assert.match(printed.stdout, /000202L9/);
    assert.doesNotMatch(printed.stdout, /000201L9/);
    assert.ok(fs.statSync(pdf).size > 0);
  });
});
