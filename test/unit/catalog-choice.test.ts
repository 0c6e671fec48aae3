import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { chooseCatalog, holdsPassword, maskUrl } from '../../infrastructure/catalog-choice';

const PG = 'postgres://lto@db.studio.lan/archive';

describe('which catalog a command opens', () => {
  it('is <data>/catalog.db when nothing is said', () => {
    assert.deepEqual(chooseCatalog('/d', {}, {}, {}), { kind: 'sqlite', path: '/d/catalog.db', source: 'default' });
  });
  it('takes the config, then the environment, then a flag, each over the one before', () => {
    assert.deepEqual(chooseCatalog('/d', {}, {}, { catalog: PG }), { kind: 'postgres', url: PG, source: 'config' });
    assert.deepEqual(chooseCatalog('/d', { LTO_DB: '/x/env.db' }, {}, { catalog: PG }), { kind: 'sqlite', path: '/x/env.db', source: 'LTO_DB' });
    assert.deepEqual(chooseCatalog('/d', { LTO_CATALOG: 'postgresql://h/other', LTO_DB: '/x/env.db' }, {}, { catalog: PG }), {
      kind: 'postgres',
      url: 'postgresql://h/other',
      source: 'LTO_CATALOG',
    });
    assert.deepEqual(chooseCatalog('/d', { LTO_CATALOG: PG }, { db: '/y/flag.db' }, {}), { kind: 'sqlite', path: '/y/flag.db', source: '--db' });
    assert.deepEqual(chooseCatalog('/d', { LTO_CATALOG: '/x/e.db' }, { db: '/y/flag.db', catalog: PG }, {}), { kind: 'postgres', url: PG, source: '--catalog' });
  });
  it('reads a value that is not a postgres:// URL as a SQLite file', () => {
    assert.deepEqual(chooseCatalog('/d', { LTO_CATALOG: '/srv/lto.db' }, {}, {}), { kind: 'sqlite', path: '/srv/lto.db', source: 'LTO_CATALOG' });
    assert.equal(chooseCatalog('/d', {}, { catalog: 'POSTGRESQL://h/x' }, {}).kind, 'postgres');
    assert.equal(chooseCatalog('/d', {}, { catalog: 'mysql://h/x' }, {}).kind, 'sqlite');
  });
  it('treats an empty setting as not given', () => {
    assert.equal(chooseCatalog('/d', { LTO_CATALOG: '' }, { catalog: '', db: '' }, { catalog: '' }).source, 'default');
  });
});

describe('a connection string shown to the person', () => {
  it('never shows a password', () => {
    assert.equal(maskUrl('postgres://lto:s3cret@db:5432/archive'), 'postgres://lto:***@db:5432/archive');
    assert.equal(maskUrl('postgres://lto@db/archive?password=s3cret&sslmode=require'), 'postgres://lto@db/archive?password=***&sslmode=require');
    assert.ok(!maskUrl('postgres://lto:s%40cret@db/a').includes('cret'));
  });
  it('leaves a URL without a password as it is', () => {
    assert.equal(maskUrl(PG), PG);
    assert.equal(maskUrl('postgresql://lto@%2Ftmp%2Fsock:5432/test_1'), 'postgresql://lto@%2Ftmp%2Fsock:5432/test_1');
    assert.equal(holdsPassword(PG), false);
    assert.equal(holdsPassword('postgres://a:b@h/d'), true);
  });
  it('masks everything after the scheme of what does not parse', () => {
    assert.equal(maskUrl('postgres://a:b@[bad/d'), 'postgres://***');
  });
});
