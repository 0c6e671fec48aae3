#!/usr/bin/env node
'use strict';
// The CLI is compiled by `npm run build` (run by `prepare` on `npm ci`).
//
// Long jobs allocate fast and V8 then grows its heap lazily, far past what they keep
// alive: a million-file backup would sit at ~500 MB of RSS for ~100 MB of live data.
// Those commands run in a child with a bounded old space (one extra process start).
const HEAVY = new Set(['backup', 'restore', 'verify', 'recover', 'rebuild']);
const LIMIT = '--max-old-space-size=320';
const heavy = process.argv.slice(2).some((arg) => HEAVY.has(arg));
if (heavy && !process.execArgv.some((arg) => arg.startsWith('--max-old-space-size'))) {
  const { spawnSync } = require('node:child_process');
  const child = spawnSync(process.execPath, [...process.execArgv, LIMIT, __filename, ...process.argv.slice(2)], { stdio: 'inherit' });
  if (child.error) throw child.error;
  // Die the way the child died (a test's SIGKILL, a Ctrl-C), or exit with its code.
  if (child.signal) process.kill(process.pid, child.signal);
  process.exit(child.status ?? 1);
}
require('../dist/cli/main.js');
