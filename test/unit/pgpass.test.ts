import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, describe, it } from 'node:test';
import { pgPassword } from '../../infrastructure/event-store/pgpass';

describe("the password of a shared catalog from libpq's password file", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lto-pgpass-'));
  after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const file = (text: string, mode = 0o600): NodeJS.ProcessEnv => {
    const f = path.join(dir, `pgpass-${Math.random()}`);
    fs.writeFileSync(f, text, { mode });
    fs.chmodSync(f, mode);
    return { PGPASSFILE: f };
  };
  const key = { host: 'db.studio.lan', port: 5432, database: 'lto_archive', user: 'lto' };

  it('takes the first line that matches host, port, database and user, * for any', () => {
    const env = file('# comment\nother:5432:*:lto:no\ndb.studio.lan:5432:lto_archive:lto:first\n*:*:*:*:second\n');
    assert.equal(pgPassword(key, env), 'first');
    assert.equal(pgPassword({ ...key, user: 'someone' }, env), 'second');
  });

  it('reads \\: and \\\\ in a field, and matches a socket folder as localhost', () => {
    const env = file('localhost:5432:*:lto:pa\\:ss\\\\word\n');
    assert.equal(pgPassword({ ...key, host: '/var/run/postgresql' }, env), 'pa:ss\\word');
    assert.equal(pgPassword(key, env), undefined);
  });

  it('ignores a file others may read, and a missing one', { skip: process.platform === 'win32' }, () => {
    assert.equal(pgPassword(key, file('*:*:*:*:secret\n', 0o644)), undefined);
    assert.equal(pgPassword(key, { PGPASSFILE: path.join(dir, 'none') }), undefined);
  });
});
