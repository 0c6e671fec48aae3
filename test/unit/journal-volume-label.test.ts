import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import * as E from 'fp-ts/Either';
import { sha256Hex } from '../../infrastructure/journal';
import { readVolumeLabel, writeVolumeLabel, type VolumeLabelError } from '../../infrastructure/tape/volume-label-file';
import { sampleLabel, tempDir } from '../support/events';

const withArchive = (test: (archive: string, file: string) => void): void => {
  const { dir, cleanup } = tempDir();
  try {
    const archive = path.join(dir, 'LTO-ARCHIVE');
    test(archive, path.join(archive, 'volume.json'));
  } finally {
    cleanup();
  }
};

/** Writes `content` as volume.json and returns what reading it says went wrong. */
const readingFails = (content: string): VolumeLabelError => {
  let error: VolumeLabelError | undefined;
  withArchive((archive, file) => {
    fs.mkdirSync(archive);
    fs.writeFileSync(file, content);
    const read = readVolumeLabel(archive);
    if (E.isRight(read)) assert.fail(`expected a Left for ${content}`);
    error = read.left;
  });
  if (error === undefined) throw new Error('unreachable');
  return error;
};

const labelJson = (overrides: Record<string, unknown>): string => `${JSON.stringify({ ...sampleLabel(), ...overrides }, null, 2)}\n`;

describe('volume.json', () => {
  it('is written once as 2-space JSON with a final LF, and reads back with the same bytes and hash', () => {
    withArchive((archive, file) => {
      const written = writeVolumeLabel(archive, sampleLabel());
      if (E.isLeft(written)) assert.fail(JSON.stringify(written.left));
      const bytes = fs.readFileSync(file);
      assert.equal(
        bytes.toString('utf8'),
        '{\n  "format": "lto-archive/1",\n  "tape": "000012L5",\n  "generation": "L5",\n' +
          '  "volumeUuid": "0189ffff-0000-7000-8000-000000000001",\n  "created": "2026-01-15T10:00:00.000Z"\n}\n',
      );
      assert.deepEqual(written.right.bytes, bytes);
      assert.equal(written.right.hash, sha256Hex(bytes));
      const read = readVolumeLabel(archive);
      if (E.isLeft(read)) assert.fail(JSON.stringify(read.left));
      assert.deepEqual(read.right, written.right);
    });
  });

  it('is never written a second time', () => {
    withArchive((archive, file) => {
      assert.ok(E.isRight(writeVolumeLabel(archive, sampleLabel())));
      const before = fs.readFileSync(file);
      const again = writeVolumeLabel(archive, sampleLabel('000013L6'));
      assert.deepEqual(again, E.left({ _tag: 'VolumeLabelExists', path: file }));
      assert.deepEqual(fs.readFileSync(file), before);
    });
  });

  it('is VolumeLabelMissing when there is none', () => {
    withArchive((archive, file) => {
      assert.deepEqual(readVolumeLabel(archive), E.left({ _tag: 'VolumeLabelMissing', path: file }));
    });
  });

  it('says, naming the file, when it is not JSON', () => {
    const error = readingFails('{"format": "lto-archive/1",');
    assert.equal(error._tag, 'VolumeLabelNotJson');
    if (error._tag === 'VolumeLabelNotJson') assert.match(error.message, /^LTO-ARCHIVE\/volume\.json: not JSON/);
  });

  it('names the file and the field that fails its codec', () => {
    const error = readingFails(labelJson({ tape: 'X' }));
    assert.deepEqual(error._tag === 'VolumeLabelInvalid' ? error.problems : error, [
      'LTO-ARCHIVE/volume.json: field "tape": expected TapeId, got "X"',
    ]);
  });

  it('names a missing field', () => {
    const { created: _created, ...rest } = sampleLabel();
    const error = readingFails(JSON.stringify(rest));
    assert.deepEqual(error._tag === 'VolumeLabelInvalid' ? error.problems : error, [
      'LTO-ARCHIVE/volume.json: field "created": expected IsoTime, got nothing',
    ]);
  });

  it('names the file when the JSON is not an object', () => {
    const error = readingFails('[1, 2]');
    assert.equal(error._tag, 'VolumeLabelInvalid');
    if (error._tag === 'VolumeLabelInvalid') assert.match(error.problems[0] ?? '', /^LTO-ARCHIVE\/volume\.json: expected /);
  });

  it('refuses a format written by another version of lto-archive', () => {
    const error = readingFails(labelJson({ format: 'lto-archive/2', tape: 'anything' }));
    assert.equal(error._tag, 'VolumeLabelUnknownFormat');
    if (error._tag === 'VolumeLabelUnknownFormat') {
      assert.equal(error.format, 'lto-archive/2');
      assert.match(error.message, /format "lto-archive\/2" was written by another version of lto-archive; this version reads lto-archive\/1/);
    }
  });

  it('refuses a tape that needs a format feature this version does not know, naming it', () => {
    const error = readingFails(labelJson({ features: ['striped-journal', 'split-files'] }));
    assert.equal(error._tag, 'VolumeLabelUnknownFeature');
    if (error._tag === 'VolumeLabelUnknownFeature') {
      assert.deepEqual(error.features, ['striped-journal']);
      assert.match(error.message, /^LTO-ARCHIVE\/volume\.json: this tape needs format feature "striped-journal" that this version of lto does not know/);
    }
  });

  it('reads a label naming only features it knows, and writes `features` only when there are some', () => {
    withArchive((archive) => {
      const written = writeVolumeLabel(archive, { ...sampleLabel(), features: [] });
      assert.ok(E.isRight(written));
      assert.doesNotMatch(written.right.bytes.toString(), /features/);
    });
    withArchive((archive) => {
      const written = writeVolumeLabel(archive, { ...sampleLabel(), features: ['sparse-files'] });
      assert.ok(E.isRight(written));
      const read = readVolumeLabel(archive);
      assert.ok(E.isRight(read));
      assert.deepEqual(read.right.label.features, ['sparse-files']);
    });
  });

  it('is VolumeLabelUnreadable when it cannot be read', () => {
    withArchive((archive, file) => {
      fs.mkdirSync(file, { recursive: true });
      const read = readVolumeLabel(archive);
      assert.equal(E.isLeft(read) ? `${read.left._tag} ${'code' in read.left ? read.left.code : ''}` : 'Right', 'VolumeLabelUnreadable EISDIR');
    });
  });

  it('reports a write-protected folder as read-only', (t) => {
    withArchive((archive) => {
      fs.mkdirSync(archive);
      try {
        execFileSync('chattr', ['+i', archive], { stdio: 'pipe' });
      } catch (error) {
        t.skip(`chattr +i is not available here: ${error instanceof Error ? error.message : String(error)}`);
        return;
      }
      try {
        const written = writeVolumeLabel(archive, sampleLabel());
        assert.equal(E.isLeft(written) && written.left._tag === 'VolumeLabelWriteFailed' && written.left.readOnly, true, JSON.stringify(written));
      } finally {
        execFileSync('chattr', ['-i', archive]);
      }
    });
  });
});
