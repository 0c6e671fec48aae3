import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { openProgressFolder, progressFolder, progressPublisher, readProgress } from '../../infrastructure/progress-file';

const sample = { phase: 'write', unit: 'entries', done: 3, total: 10, bytes: 300, totalBytes: 1000 };

describe('progress files (what lto serve shows of a job run by another process)', () => {
  it('publishes the latest sample atomically, reads it back, and removes it at the end', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lto-progress-'));
    try {
      const unserved = progressPublisher(dir, '000001L8');
      unserved.next(sample);
      assert.equal(fs.existsSync(progressFolder(dir)), false, 'a data folder no lto serve opened gets no progress files');
      openProgressFolder(dir);
      const publisher = progressPublisher(dir, '000001L8', () => new Date('2026-12-07T10:00:00Z'));
      publisher.next(sample);
      // Held back (a quarter second has not passed) unless it is the last one.
      publisher.next({ ...sample, done: 4 });
      publisher.next({ ...sample, done: 10 });
      assert.deepEqual(readProgress(dir), [{ tape: '000001L8', pid: process.pid, ...sample, done: 10, at: '2026-12-07T10:00:00.000Z' }]);
      assert.deepEqual(fs.readdirSync(progressFolder(dir)), ['000001L8.json'], 'no temporary file left');
      publisher.end();
      assert.deepEqual(readProgress(dir), []);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("ignores a killed job's file (its process is gone) and a file this version cannot read", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lto-progress-'));
    try {
      const gone = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
      fs.mkdirSync(progressFolder(dir));
      fs.writeFileSync(path.join(progressFolder(dir), '000002L8.json'), JSON.stringify({ tape: '000002L8', pid: Number(gone.stdout), ...sample, at: 'x' }));
      fs.writeFileSync(path.join(progressFolder(dir), '000003L8.json'), '{"tape": "000003L8", "pid": "not a number"');
      assert.deepEqual(readProgress(dir), []);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
