import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import * as E from 'fp-ts/Either';
import fc from 'fast-check';
import { PgTapeHolds, tapeKey } from '../../infrastructure/holds/pg-tape-holds';
import { postgresSkipReason, startPostgres, type PostgresServer } from '../support/postgres';

const skip = postgresSkipReason();
let server: PostgresServer | undefined;
before(async () => {
  if (skip === undefined) server = await startPostgres();
});
after(async () => {
  await server?.stop();
});

const database = async (): Promise<string> => {
  if (server === undefined) throw new Error('no PostgreSQL server');
  return server.createDatabase();
};

const ME = { host: 'host-b.example', pid: 4242, command: 'lto restore', since: '2026-12-08T04:10:00.000Z' };

/** Another host's process holding `tape`; resolves once it says whether it got the hold. */
const holderProcess = async (url: string, tape: string): Promise<{ child: ChildProcess; said: string }> => {
  const child = spawn(process.execPath, [join(__dirname, '..', 'support', 'pg-tape-holder.js'), url, tape], { stdio: ['ignore', 'pipe', 'inherit'] });
  const said = await new Promise<string>((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => resolve(chunk.toString('utf8').trim()));
    child.once('exit', (code) => reject(new Error(`the holder exited (${String(code)}) before holding`)));
  });
  return { child, said };
};

const kill = async (child: ChildProcess): Promise<void> => {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  await exited;
};

describe('tape holds in a shared PostgreSQL catalog', { skip: skip ?? false }, () => {
  it("refuses a tape another host's process holds, naming it, and takes it once that process is killed", async () => {
    const url = await database();
    const holds = await PgTapeHolds.open(url);
    const { child, said } = await holderProcess(url, '000001L7');
    try {
      assert.equal(said, 'holding');
      const refused = await holds.take('000001L7', ME);
      assert.deepEqual(refused, E.left({ holder: { host: 'host-a.example', pid: child.pid, command: 'lto backup', since: '2026-12-08T04:00:00.000Z' } }));
      const other = await holds.take('000002L7', ME);
      assert.ok(E.isRight(other), 'another tape is free');
      await other.right();
      await kill(child);
      const taken = await holds.take('000001L7', ME);
      assert.ok(E.isRight(taken), 'the dead host let go with its connection');
      await taken.right();
    } finally {
      await kill(child);
      await holds.close();
    }
  });

  it('a released hold is free again; a second process of the same host is refused while it is held', async () => {
    const url = await database();
    const holds = await PgTapeHolds.open(url);
    const first = await holds.take('000003L7', ME);
    assert.ok(E.isRight(first));
    const second = await holds.take('000003L7', { ...ME, pid: 4343 });
    assert.deepEqual(second, E.left({ holder: ME }), 'one process of one host holds it; a second one is refused too');
    await first.right();
    const again = await holds.take('000003L7', { ...ME, pid: 4343 });
    assert.ok(E.isRight(again));
    await again.right();
    await holds.close();
  });

  it('of several hosts taking one tape at once, exactly one holds it', async () => {
    const url = await database();
    const hosts = await Promise.all(Array.from({ length: 3 }, () => PgTapeHolds.open(url)));
    const takes = await Promise.all(hosts.map((h, i) => h.take('000004L7', { ...ME, pid: i })));
    assert.equal(takes.filter(E.isRight).length, 1);
    for (const t of takes) if (E.isRight(t)) await t.right();
  });

  it('lock keys are int4 (what pg_advisory_lock(int, int) takes) and differ for near tape ids', () => {
    fc.assert(fc.property(fc.string(), (tape) => Number.isInteger(tapeKey(tape)) && tapeKey(tape) >= -(2 ** 31) && tapeKey(tape) < 2 ** 31));
    assert.notEqual(tapeKey('000001L7'), tapeKey('000002L7'));
  });
});
