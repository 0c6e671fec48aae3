import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import * as E from 'fp-ts/Either';
import { printLabelSheet } from '../../application/print-labels';
import { readBarcodesFromFrame } from '../../infrastructure/barcode/barcode-reader';
import { FRAME, findCamera, readBarcodesFromCamera, type Camera } from '../../infrastructure/barcode/camera';
import { sheetGrid } from '../../infrastructure/barcode/sheet-layout';
import { tempDir } from '../support/events';
import { readPgm, renderPdfPages, type Grey, loadPdfRenderer } from '../support/images';
import { tapeId } from '../support/store-fixtures';

const scratch = tempDir('lto-camera-');
after(() => scratch.cleanup());
const CAMERA: Camera = { device: '/dev/video0', ffmpegInput: ['-f', 'v4l2', '-i', '/dev/video0'] };

/** One raw RGBA frame of the camera's size, with `picture` (if any) near its middle. */
const rawFrame = (picture: Grey | undefined): Buffer => {
  const frame = Buffer.alloc(FRAME.width * FRAME.height * 4, 255);
  if (picture === undefined) return frame;
  const [left, top] = [Math.floor((FRAME.width - picture.width) / 2), Math.floor((FRAME.height - picture.height) / 2)];
  for (let y = 0; y < picture.height; y++) {
    for (let x = 0; x < picture.width; x++) {
      const v = picture.pixels[y * picture.width + x] ?? 255;
      frame.fill(v, ((top + y) * FRAME.width + left + x) * 4, ((top + y) * FRAME.width + left + x) * 4 + 3);
    }
  }
  return frame;
};

/** A stand-in for ffmpeg: a script that writes what a camera would (frames on stdout), then waits to be stopped. */
const fakeFfmpeg = (name: string, script: string): string => {
  const file = path.join(scratch.dir, name);
  fs.writeFileSync(file, `#!/bin/sh\n${script}\n`, { mode: 0o755 });
  return file;
};

describe('reading a barcode from camera frames (ffmpeg stood in for by a script)', () => {
  before(loadPdfRenderer);
  let blankFrame = '';
  let labelFrame = '';
  before(async () => {
    const pdf = path.join(scratch.dir, 'label.pdf');
    const printed = await printLabelSheet([tapeId('000123L8')], pdf, 'a4', true);
    assert.ok(E.isRight(printed));
    const grid = sheetGrid('a4');
    const px = (mm: number) => Math.round((mm * 200) / 25.4);
    const [label] = renderPdfPages(pdf, 200, { format: 'pgm', region: { x: px(grid.left - 2), y: px(grid.top - 2), w: px(82.2), h: px(20.9) } });
    blankFrame = path.join(scratch.dir, 'blank.raw');
    labelFrame = path.join(scratch.dir, 'label.raw');
    fs.writeFileSync(blankFrame, rawFrame(undefined));
    fs.writeFileSync(labelFrame, rawFrame(readPgm(label!)));
  });

  it('reads frames until one holds a barcode, then stops the camera', async () => {
    const ffmpeg = fakeFfmpeg('ffmpeg-sees-label', `cat '${blankFrame}' '${blankFrame}'; sleep 0.3; cat '${labelFrame}'; exec sleep 30`);
    const started = Date.now();
    const read = await readBarcodesFromCamera(CAMERA, 20, readBarcodesFromFrame, ffmpeg);
    assert.deepEqual(read, E.right(['000123L8']));
    assert.ok(Date.now() - started < 10_000, 'it returned as soon as the label was seen');
  });

  it('gives up after the timeout when no frame holds a barcode', async () => {
    const ffmpeg = fakeFfmpeg('ffmpeg-sees-nothing', `cat '${blankFrame}' '${blankFrame}'; exec sleep 30`);
    const read = await readBarcodesFromCamera(CAMERA, 1, readBarcodesFromFrame, ffmpeg);
    assert.deepEqual(read, E.left({ _tag: 'CameraTimeout', device: '/dev/video0', seconds: 1 }));
  });

  it("reports ffmpeg's own last word when it cannot open the camera", async () => {
    const ffmpeg = fakeFfmpeg('ffmpeg-busy', `echo '[video4linux2] Cannot open video device /dev/video0: Device or resource busy' >&2; exit 1`);
    const read = await readBarcodesFromCamera(CAMERA, 20, readBarcodesFromFrame, ffmpeg);
    assert.deepEqual(read, E.left({ _tag: 'CameraFailed', device: '/dev/video0', detail: '[video4linux2] Cannot open video device /dev/video0: Device or resource busy' }));
  });

  it('says ffmpeg is missing when a camera exists but ffmpeg does not', async () => {
    const read = await readBarcodesFromCamera(CAMERA, 20, readBarcodesFromFrame, undefined);
    assert.deepEqual(read, E.left({ _tag: 'CameraToolMissing', device: '/dev/video0' }));
  });
});

describe('finding the camera', () => {
  it('takes the lowest-numbered /dev/video device on Linux', () => {
    const dev = fs.mkdtempSync(path.join(scratch.dir, 'dev-'));
    for (const name of ['video10', 'video2', 'tty0', 'video1']) fs.writeFileSync(path.join(dev, name), '');
    assert.deepEqual(findCamera('linux', dev), E.right({ device: path.join(dev, 'video1'), ffmpegInput: ['-f', 'v4l2', '-i', path.join(dev, 'video1')] }));
  });

  it('says where it looked when there is none, and that other systems are not supported', () => {
    const dev = fs.mkdtempSync(path.join(scratch.dir, 'dev-'));
    assert.deepEqual(findCamera('linux', dev), E.left({ _tag: 'CameraMissing', looked: path.join(dev, 'video*') }));
    assert.deepEqual(findCamera('win32', dev), E.left({ _tag: 'CameraUnsupported', platform: 'win32' }));
  });
});
