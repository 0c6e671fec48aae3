import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { sandbox, stoppedIn, waitFor, type CliResult, type Sandbox } from '../support/cli';
import { imitateLtfs, LTFS_ROOT_DEFAULTS, userXattrsMissing } from '../support/ltfs';
import { postgresSkipReason, startPostgres, type PostgresServer } from '../support/postgres';

/**
 * Three hosts, one catalog (issue 21): three `lto` processes with data folders of their
 * own (LTO_HOME) share one catalog, back up to three folder tapes at the same time, and
 * then see, search and restore each other's work. The same assertions run on a shared
 * SQLite file (LTO_DB) and on a shared PostgreSQL (LTO_CATALOG).
 */
interface Host {
  readonly name: string;
  readonly tape: string;
  readonly mount: string;
  readonly source: string;
  readonly lto: (args: readonly string[], env?: NodeJS.ProcessEnv) => CliResult;
  readonly ltoAsync: Sandbox['ltoAsync'];
}

interface SharedCatalog {
  /** The environment that points an lto process at the shared catalog. */
  readonly env: NodeJS.ProcessEnv;
  /** What keeps a second host out, as its refusal says: the tape's lock file, or the hold in the shared catalog. */
  readonly heldBy: RegExp;
  readonly stop: () => Promise<void>;
}

const TAPES = ['000201L8', '000202L8', '000203L8'];

const hostsOn = (box: Sandbox, catalog: NodeJS.ProcessEnv): Host[] =>
  TAPES.map((tape, i) => {
    const name = `host${i + 1}`;
    const env = { ...catalog, LTO_HOME: path.join(box.root, name) };
    const source = path.join(box.root, `${name}-files`);
    fs.mkdirSync(path.join(source, 'shots'), { recursive: true });
    for (let f = 0; f < 6; f++) fs.writeFileSync(path.join(source, 'shots', `${name}_${f}.dng`), Buffer.alloc(40_000 + f * 1000 + i, f + i));
    return {
      name,
      tape,
      mount: box.mountPoint(`tape-${tape}`),
      source,
      lto: (args, more = {}) => box.lto(args, { ...env, ...more }),
      ltoAsync: (args, more = {}) => box.ltoAsync(args, { ...env, ...more }),
    };
  });

const json = <T>(r: CliResult): T => {
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout) as T;
};

const threeHosts = (label: string, skip: string | undefined, shared: (box: Sandbox) => Promise<SharedCatalog>): void => {
  describe(`three hosts sharing one ${label} catalog`, { skip: skip ?? false }, () => {
    let box: Sandbox;
    let catalog: SharedCatalog;
    let hosts: Host[];
    before(async () => {
      box = sandbox();
      catalog = await shared(box);
      hosts = hostsOn(box, catalog.env);
      for (const h of hosts) assert.equal(h.lto(['tape', 'add', h.tape, '--mount', h.mount]).status, 0);
    });
    after(async () => {
      await catalog.stop();
      box.cleanup();
    });

    it('back up to three tapes at the same time, all three succeeding', async () => {
      const runs = hosts.map((h) => h.ltoAsync(['backup', h.tape, h.source, '--mount', h.mount, '--json']));
      const done = await Promise.all(runs.map((r) => r.done));
      for (const d of done) assert.equal(json<{ status: string }>(d).status, 'SUCCESS');
    });

    it("each sees the others' tapes and jobs, and finds their files", () => {
      for (const h of hosts) {
        const tapes = json<{ tapes: { tape: string }[] }>(h.lto(['tape', 'list', '--json'])).tapes.map((t) => t.tape);
        assert.deepEqual(tapes.sort(), TAPES, h.name);
        const backups = json<{ jobs: { type: string; tape: string; status: string }[] }>(h.lto(['jobs', '--json'])).jobs.filter((j) => j.type === 'BACKUP');
        assert.deepEqual(backups.map((j) => j.tape).sort(), TAPES, h.name);
        assert.ok(backups.every((j) => j.status === 'SUCCESS'), JSON.stringify(backups));
        const found = json<{ results: { tape: string; name: string }[] }>(h.lto(['search', '*.dng', '--json'])).results;
        assert.equal(found.length, 18, h.name);
        assert.deepEqual([...new Set(found.map((r) => r.tape))].sort(), TAPES);
      }
    });

    it("each restores a file from another host's tape, byte-exact", () => {
      hosts.forEach((h, i) => {
        const other = hosts[(i + 1) % hosts.length]!;
        const to = path.join(box.root, `${h.name}-restored`);
        const wanted = `${other.name}_3.dng`;
        const r = h.lto(['restore', other.tape, '--mount', other.mount, '--to', to, '--path', `**/${wanted}`]);
        assert.equal(r.status, 0, r.stderr);
        const original = path.join(other.source, 'shots', wanted);
        assert.deepEqual(fs.readFileSync(path.join(to, original)), fs.readFileSync(original));
      });
    });

    it('a tape in use by one host is refused by another naming the holder, and freed when the holder is killed', async () => {
      const [a, b] = [hosts[0]!, hosts[1]!];
      fs.writeFileSync(path.join(a.source, 'shots', 'late.dng'), Buffer.alloc(70_000, 7));
      const holder = a.ltoAsync(['backup', a.tape, a.source, '--mount', a.mount, '--incremental'], { LTO_STOP_AT: 'entry-written' });
      try {
        await waitFor('the holder to stop mid-backup', () => stoppedIn(holder.pid) !== undefined);
        // bin/lto.js may run the CLI in a child process: the holder is the process that stopped.
        const pid = stoppedIn(holder.pid);
        for (const command of [['backup', a.tape, b.source, '--mount', a.mount], ['verify', a.tape, '--mount', a.mount]]) {
          const refused = b.lto(command);
          assert.equal(refused.status, 3, refused.stderr);
          const lines = refused.stderr.trim().split('\n');
          assert.equal(lines.length, 1, refused.stderr);
          assert.match(lines[0] ?? '', new RegExp(`tape ${a.tape} is in use: lto backup \\(pid ${String(pid)} on ${os.hostname()}, since `));
          assert.match(lines[0] ?? '', catalog.heldBy);
        }
        holder.kill();
        await holder.done;
      } finally {
        holder.kill();
      }
      const next = b.lto(['verify', a.tape, '--mount', a.mount]);
      assert.equal(next.status, 0, next.stderr);
    });

    it("imports a tape's journal found ahead of the shared catalog (written by a host with a catalog of its own)", () => {
      const c = hosts[2]!;
      const loner = path.join(box.root, 'loner');
      const alone = (args: readonly string[]): CliResult => box.lto(args, { LTO_HOME: loner, LTO_DB: path.join(loner, 'catalog.db'), LTO_CATALOG: '' });
      assert.equal(alone(['tape', 'add', c.tape, '--mount', c.mount]).status, 0);
      const extra = path.join(box.root, 'loner-files');
      fs.mkdirSync(extra);
      fs.writeFileSync(path.join(extra, 'written-elsewhere.dng'), 'elsewhere');
      assert.equal(alone(['backup', c.tape, extra, '--mount', c.mount]).status, 0);
      assert.equal(json<{ total: number }>(hosts[0]!.lto(['search', 'written-elsewhere', '--json'])).total, 0, 'not in the shared catalog yet');
      assert.equal(c.lto(['tape', 'show', c.tape, '--mount', c.mount]).status, 0);
      for (const h of hosts) assert.equal(json<{ total: number }>(h.lto(['search', 'written-elsewhere', '--json'])).total, 1, h.name);
    });

    it('lto catalog check passes on the shared catalog', () => {
      for (const h of hosts) {
        const check = h.lto(['catalog', 'check']);
        assert.equal(check.status, 0, check.stdout + check.stderr);
      }
    });
  });
};

threeHosts('SQLite', undefined, async (box) => ({
  env: { LTO_DB: path.join(box.root, 'shared', 'catalog.db') },
  heldBy: /holds .*LTO-ARCHIVE\/lock/,
  stop: async () => undefined,
}));

let server: PostgresServer | undefined;
threeHosts('PostgreSQL', postgresSkipReason(), async () => {
  server = await startPostgres();
  const url = await server.createDatabase();
  return { env: { LTO_CATALOG: url }, heldBy: /holds it in the shared catalog/, stop: async () => server?.stop() };
});

/**
 * The case lock files alone miss: an LTFS cartridge's lock is kept in the data folder of the
 * host that has it mounted (`<data>/locks/<volume UUID>.lock`), which another host never
 * sees. On a shared PostgreSQL catalog the hold there keeps the second host out.
 */
describe('an LTFS cartridge two hosts reach, on a shared PostgreSQL catalog', { skip: postgresSkipReason() ?? userXattrsMissing(os.tmpdir()) }, () => {
  const TAPE = '000012L5';
  let box: Sandbox;
  let ltfs: PostgresServer;
  before(async () => {
    box = sandbox();
    ltfs = await startPostgres();
  });
  after(async () => {
    await ltfs.stop();
    box.cleanup();
  });

  it("is refused to the second host naming the first, though the first's lock file is in its own data folder, and freed when the first is killed", async () => {
    const url = await ltfs.createDatabase();
    const homes = ['ltfs-host1', 'ltfs-host2'].map((h) => path.join(box.root, h));
    const env = (i: number): NodeJS.ProcessEnv => ({ LTO_CATALOG: url, LTO_HOME: homes[i] });
    const mount = box.mountPoint('cartridge');
    imitateLtfs(mount);
    const source = box.mountPoint('ltfs-src');
    for (let f = 0; f < 4; f++) fs.writeFileSync(path.join(source, `f${f}.bin`), Buffer.alloc(30_000, f));
    assert.equal(box.lto(['tape', 'add', TAPE, '--mount', mount], env(0)).status, 0);
    const holder = box.ltoAsync(['backup', TAPE, source, '--mount', mount], { ...env(0), LTO_STOP_AT: 'entry-written' });
    try {
      await waitFor('the first host to stop mid-backup', () => stoppedIn(holder.pid) !== undefined);
      const pid = stoppedIn(holder.pid);
      assert.ok(fs.existsSync(path.join(homes[0]!, 'locks', `${LTFS_ROOT_DEFAULTS['volumeUUID']!}.lock`)), "the lock file is the first host's own");
      assert.equal(fs.existsSync(path.join(mount, 'LTO-ARCHIVE', 'lock')), false, 'nothing on the cartridge');
      const refused = box.lto(['backup', TAPE, source, '--mount', mount], env(1));
      assert.equal(refused.status, 3, refused.stderr);
      assert.equal(refused.stderr.trim().split('\n').length, 1, refused.stderr);
      assert.match(refused.stderr, new RegExp(`tape ${TAPE} is in use: lto backup \\(pid ${String(pid)} on ${os.hostname()}, since .*\\) holds it in the shared catalog`));
      holder.kill();
      await holder.done;
    } finally {
      holder.kill();
    }
    const next = box.lto(['backup', TAPE, source, '--mount', mount], env(1));
    assert.equal(next.status, 0, next.stderr);
  });
});
