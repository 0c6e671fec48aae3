import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { checkSegment } from '../../infrastructure/verify/segment-check';
import { tempDir } from '../support/events';

const sha = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex');

/** A tar of many files, bigger than one 4 MiB read, made by GNU tar (so it stands for any valid segment). */
const makeTar = (dir: string): string => {
  const src = path.join(dir, 'src');
  fs.mkdirSync(src);
  for (let i = 0; i < 40; i++) fs.writeFileSync(path.join(src, `f${i}.bin`), Buffer.alloc(150_000 + i * 1000, i));
  const tar = path.join(dir, '1.tar');
  execFileSync('tar', ['-cf', tar, '-C', dir, 'src']);
  return tar;
};

describe('segment check: one forward pass checks hashes and the tar structure', () => {
  it('passes a whole tar, and reports one whose end-of-archive blocks are gone even when its hash is the one recorded', () => {
    const { dir, cleanup } = tempDir('lto-check-');
    try {
      const tar = makeTar(dir);
      const bytes = fs.readFileSync(tar);
      assert.ok(bytes.length > 4 * 1024 * 1024);
      const whole = checkSegment({ path: tar, bytes: bytes.length, sha256: sha(bytes), files: [] }, 'full', undefined);
      assert.equal(whole.status, 'PASSED', whole.problems.join('; '));
      assert.equal(whole.bytesRead, bytes.length);
      // Cut inside the last member: the hash matches what was "recorded", the tar does not end.
      const cut = bytes.subarray(0, bytes.length - 20 * 1024);
      fs.writeFileSync(tar, cut);
      const damaged = checkSegment({ path: tar, bytes: cut.length, sha256: sha(cut), files: [] }, 'full', undefined);
      assert.equal(damaged.status, 'CORRUPTED');
      assert.match(damaged.problems.join('; '), /tar structure/);
      const quick = checkSegment({ path: tar, bytes: cut.length, sha256: sha(cut), files: [] }, 'quick', undefined);
      assert.equal(quick.status, 'PASSED', 'a quick check looks at size and hash only');
    } finally {
      cleanup();
    }
  });
});
