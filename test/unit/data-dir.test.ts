import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { databasePath, dataFolder } from '../../infrastructure/data-dir';

describe('the data folder follows each platform, and LTO_HOME overrides it', () => {
  const home = '/home/me';
  it('uses XDG_DATA_HOME on Linux, ~/.local/share without it', () => {
    assert.equal(dataFolder({ platform: 'linux', env: { XDG_DATA_HOME: '/data' }, home }), '/data/lto-archive');
    assert.equal(dataFolder({ platform: 'linux', env: {}, home }), '/home/me/.local/share/lto-archive');
    assert.equal(dataFolder({ platform: 'linux', env: { XDG_DATA_HOME: 'relative' }, home }), '/home/me/.local/share/lto-archive');
  });
  it('uses APPDATA on Windows and Application Support on macOS', () => {
    assert.equal(dataFolder({ platform: 'win32', env: { APPDATA: 'C:\\Users\\me\\AppData\\Roaming' }, home }), path.join('C:\\Users\\me\\AppData\\Roaming', 'lto-archive'));
    assert.equal(dataFolder({ platform: 'darwin', env: {}, home }), '/home/me/Library/Application Support/lto-archive');
  });
  it('prefers LTO_HOME everywhere', () => {
    assert.equal(dataFolder({ platform: 'darwin', env: { LTO_HOME: '/srv/lto' }, home }), '/srv/lto');
  });
  it('puts the catalog in the data folder unless --db or LTO_DB says otherwise', () => {
    assert.equal(databasePath('/d', {}, undefined), '/d/catalog.db');
    assert.equal(databasePath('/d', { LTO_DB: '/x/env.db' }, undefined), '/x/env.db');
    assert.equal(databasePath('/d', { LTO_DB: '/x/env.db' }, '/y/opt.db'), '/y/opt.db');
  });
});
