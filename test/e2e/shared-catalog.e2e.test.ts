import * as assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Client } from 'pg';
import { refused, sandbox, type Sandbox } from '../support/cli';
import { postgresSkipReason, startPostgres, type PostgresServer } from '../support/postgres';

const skip = postgresSkipReason();
let server: PostgresServer | undefined;
before(async () => {
  if (skip === undefined) server = await startPostgres();
});
after(async () => {
  await server?.stop();
});
const pg = (): PostgresServer => {
  if (server === undefined) throw new Error('no server');
  return server;
};

const EXIT_LOCAL = 5;

describe('choosing the catalog: lto config set-catalog, show and unset-catalog', () => {
  let box: Sandbox;
  before(() => (box = sandbox()));
  after(() => box.cleanup());
  // The sandbox of a run on PostgreSQL sets LTO_CATALOG itself: these steps decide it.
  const bare = { LTO_CATALOG: '' };
  const show = (env: NodeJS.ProcessEnv = bare): Record<string, unknown> => {
    const r = box.lto(['config', 'show', '--json'], env);
    assert.equal(r.status, 0, r.stderr);
    const parsed: unknown = JSON.parse(r.stdout);
    assert.ok(typeof parsed === 'object' && parsed !== null);
    return { ...parsed };
  };

  it('says the SQLite file of the data folder is used by default, and that nothing chose it', () => {
    const facts = show();
    assert.equal(facts['catalogKind'], 'sqlite');
    assert.equal(facts['catalog'], path.join(box.home, 'catalog.db'));
    assert.equal(facts['catalogFrom'], 'default');
  });

  it('keeps a shared catalog in config.json, shows it without its password, and forgets it', () => {
    const set = box.lto(['config', 'set-catalog', 'postgres://lto:s3cret@db.studio.lan/archive'], bare);
    assert.equal(set.status, 0, set.stderr);
    assert.ok(!set.stdout.includes('s3cret'), set.stdout);
    assert.match(set.stderr, /PGPASSWORD/);
    const facts = show();
    assert.deepEqual([facts['catalogKind'], facts['catalog'], facts['catalogFrom']], ['postgres', 'postgres://lto:***@db.studio.lan/archive', 'config']);
    const text = box.lto(['config', 'show'], bare);
    assert.ok(!text.stdout.includes('s3cret'), text.stdout);
    assert.match(text.stdout, /catalogFrom\s+config/);
    // Stronger than the config: the environment, then a flag.
    assert.equal(show({ LTO_CATALOG: path.join(box.root, 'env.db') })['catalogFrom'], 'LTO_CATALOG');
    assert.equal(show({ LTO_CATALOG: path.join(box.root, 'env.db') })['catalog'], path.join(box.root, 'env.db'));
    const flagged = box.lto(['--catalog', 'postgres://other/x', 'config', 'show', '--json'], bare);
    assert.equal(JSON.parse(flagged.stdout).catalogFrom, '--catalog');
    const unset = box.lto(['config', 'unset-catalog'], bare);
    assert.equal(unset.status, 0, unset.stderr);
    assert.equal(show()['catalogFrom'], 'default');
  });

  it('keeps --db working as before, over a configured shared catalog', () => {
    assert.equal(box.lto(['config', 'set-catalog', 'postgres://db.studio.lan/archive'], bare).status, 0);
    const file = path.join(box.root, 'mine.db');
    const r = box.lto(['--db', file, 'tape', 'list', '--json'], bare);
    assert.equal(r.status, 0, r.stderr);
    assert.ok(fs.existsSync(file));
    assert.equal(box.lto(['config', 'unset-catalog'], bare).status, 0);
  });
});

describe('a shared catalog that cannot be used: one line, exit 5, no password', { skip: skip ?? false }, () => {
  let box: Sandbox;
  before(() => (box = sandbox()));
  after(() => box.cleanup());

  it('names an unreachable server', () => {
    const r = box.lto(['--catalog', 'postgres://lto:s3cret@127.0.0.1:1/archive', 'tape', 'list']);
    refused(r, EXIT_LOCAL, /cannot use the shared catalog postgres:\/\/lto:\*\*\*@127\.0\.0\.1:1\/archive: no server answers/);
    assert.ok(!r.stderr.includes('s3cret'));
  });

  it('names a refused login and a missing database', () => {
    const nobody = pg().connectionString().replace('//lto@', '//nobody@');
    refused(box.lto(['--catalog', nobody, 'tape', 'list']), EXIT_LOCAL, /login refused: role "nobody" does not exist/);
    refused(box.lto(['--catalog', pg().connectionString('nosuch'), 'tape', 'list']), EXIT_LOCAL, /database "nosuch" does not exist/);
  });

  it('asks for a password in one line, and takes it from ~/.pgpass or PGPASSWORD (never the URL)', async () => {
    const url = await pg().createDatabase();
    const admin = new Client({ connectionString: url });
    await admin.connect();
    try {
      await admin.query("CREATE ROLE studio LOGIN PASSWORD 'se:cret%'");
      await admin.query(`ALTER DATABASE ${new URL(url).pathname.slice(1)} OWNER TO studio`);
      fs.writeFileSync(path.join(pg().socketDir, 'data', 'pg_hba.conf'), `local all studio scram-sha-256\n${fs.readFileSync(path.join(pg().socketDir, 'data', 'pg_hba.conf'), 'utf8')}`);
      await admin.query('SELECT pg_reload_conf()');
    } finally {
      await admin.end();
    }
    const studio = url.replace('//lto@', '//studio@');
    refused(box.lto(['--catalog', studio, 'tape', 'list']), EXIT_LOCAL, /asks for a password and none was given: set PGPASSWORD or ~\/\.pgpass/);
    const pgpass = path.join(box.root, 'pgpass');
    fs.writeFileSync(pgpass, 'localhost:*:*:studio:se\\:cret%\n', { mode: 0o600 });
    const viaFile = box.lto(['--catalog', studio, 'tape', 'list'], { PGPASSFILE: pgpass });
    assert.equal(viaFile.status, 0, viaFile.stderr);
    assert.equal(viaFile.stderr, '', 'no warning either');
    assert.equal(box.lto(['--catalog', studio, 'tape', 'list'], { PGPASSWORD: 'se:cret%' }).status, 0);
    refused(box.lto(['--catalog', studio, 'tape', 'list'], { PGPASSWORD: 'wrong' }), EXIT_LOCAL, /login refused: password authentication failed for user "studio"/);
  });

  it('refuses a catalog written by a newer lto, and leaves it as it was', async () => {
    const url = await pg().createDatabase();
    assert.equal(box.lto(['--catalog', url, 'tape', 'list']).status, 0);
    const client = new Client({ connectionString: url });
    await client.connect();
    try {
      await client.query("UPDATE schema_migrations SET version = 99 WHERE component = 'event-store'");
      refused(box.lto(['--catalog', url, 'tape', 'list']), EXIT_LOCAL, /schema is version 99; this program knows up to \d+: upgrade lto/);
      const left = await client.query("SELECT version FROM schema_migrations WHERE component = 'event-store'");
      assert.equal(String(left.rows[0]?.version), '99');
    } finally {
      await client.end();
    }
  });
});

describe('every command on a shared PostgreSQL catalog', { skip: skip ?? false }, () => {
  let box: Sandbox;
  let env: NodeJS.ProcessEnv;
  before(async () => {
    box = sandbox();
    env = { LTO_CATALOG: await pg().createDatabase() };
    const src = path.join(box.root, 'photos');
    fs.mkdirSync(path.join(src, 'raw'), { recursive: true });
    fs.writeFileSync(path.join(src, 'raw', 'IMG_0001.dng'), 'raw picture');
    fs.writeFileSync(path.join(src, 'notes.txt'), 'notes');
    // A folder path longer than a PostgreSQL btree entry may be (2704 bytes).
    fs.mkdirSync(path.join(src, ...deep), { recursive: true });
    fs.writeFileSync(path.join(src, ...deep, 'deep.txt'), 'deep');
  });
  after(() => box.cleanup());
  // Random names: PostgreSQL compresses an index entry first, and a repeated letter would fit.
  const deep = Array.from({ length: 14 }, (_, i) => `${String(i).padStart(2, '0')}-${randomBytes(150).toString('base64url')}`);
  const lto = (args: readonly string[]) => {
    const r = box.lto(args, env);
    assert.equal(r.status, 0, `lto ${args.join(' ')}: ${r.stderr}`);
    return r;
  };

  it('backs up, finds, restores, verifies, checks and rebuilds the catalog', () => {
    lto(['tape', 'add', '000001L8']);
    lto(['backup', '000001L8', path.join(box.root, 'photos')]);
    assert.match(lto(['search', '*.dng']).stdout, /IMG_0001\.dng/);
    const to = path.join(box.root, 'restored');
    lto(['restore', '000001L8', '--to', to]);
    assert.equal(fs.readFileSync(path.join(to, box.root, 'photos', 'raw', 'IMG_0001.dng'), 'utf8'), 'raw picture');
    assert.equal(fs.readFileSync(path.join(to, box.root, 'photos', ...deep, 'deep.txt'), 'utf8'), 'deep');
    assert.match(lto(['search', 'deep.txt']).stdout, /\/deep\.txt/);
    lto(['verify', '000001L8']);
    lto(['catalog', 'rebuild']);
    assert.match(lto(['catalog', 'check']).stdout, /Catalog consistent/);
    assert.equal(JSON.parse(lto(['tape', 'list', '--json']).stdout).tapes.length, 1);
  });

  it('keeps where tapes were mounted in the host\'s own local.db, not in the shared catalog', () => {
    assert.ok(fs.existsSync(path.join(box.home, 'local.db')));
    assert.ok(!fs.existsSync(path.join(box.home, 'catalog.db')));
  });
});
