import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { describe, it } from 'node:test';
import { isProcessAlive } from '../../infrastructure/process-alive';

describe('isProcessAlive', () => {
  it('is true for this process and false for a pid that cannot exist', () => {
    assert.equal(isProcessAlive(process.pid), true);
    assert.equal(isProcessAlive(4_194_305), false);
    assert.equal(isProcessAlive(0), false);
  });

  it('counts a zombie (dead, not yet reaped) as dead: regression of a crashed job left RUNNING', { skip: process.platform !== 'linux' }, async () => {
    // `true` ends at once; its parent becomes `sleep` (exec), which never reaps it: a zombie.
    const parent = spawn('sh', ['-c', 'true & echo $!; exec sleep 5'], { stdio: ['ignore', 'pipe', 'ignore'] });
    try {
      const pid = Number(await new Promise<string>((resolve) => parent.stdout.once('data', (d: Buffer) => resolve(d.toString()))));
      await new Promise((resolve) => setTimeout(resolve, 200));
      assert.equal(isProcessAlive(pid), false);
    } finally {
      parent.kill('SIGKILL');
    }
  });
});
