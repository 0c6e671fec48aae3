#!/usr/bin/env node
'use strict';
// The CLI is compiled by `npm run build` (run by `prepare` on `npm ci`).
//
// Long jobs allocate fast and V8 then grows its heap lazily, far past what they keep
// alive: a million-file backup would sit at ~500 MB of RSS for ~100 MB of live data.
// Those commands run in a child with a bounded old space (one extra process start).
const HEAVY = new Set(['backup', 'restore', 'verify', 'recover', 'rebuild', 'copy']);
const LIMIT = '--max-old-space-size=320';
// Signals that ask the job to stop: the child stops at its next safe point (its closed
// segments kept, the job closed INTERRUPTED, the tape's lock released) and exits 128+n.
const FORWARDED = ['SIGINT', 'SIGTERM', 'SIGHUP'];
const heavy = process.argv.slice(2).some((arg) => HEAVY.has(arg));
if (heavy && !process.execArgv.some((arg) => arg.startsWith('--max-old-space-size'))) {
  const { spawn } = require('node:child_process');
  // The IPC channel is how the child sees this process end, even by SIGKILL (it then stops as on SIGTERM).
  const child = spawn(process.execPath, [...process.execArgv, LIMIT, __filename, ...process.argv.slice(2)], { stdio: ['inherit', 'inherit', 'inherit', 'ipc'] });
  const forward = (signal) => child.kill(signal);
  for (const signal of FORWARDED) process.on(signal, forward);
  child.on('error', (error) => {
    process.stderr.write(`error: cannot start the job's process: ${error.message}\n`);
    process.exit(1);
  });
  child.on('exit', (code, signal) => {
    for (const s of FORWARDED) process.off(s, forward);
    // Die the way the child died (a test's SIGKILL), or exit with its code.
    if (signal) process.kill(process.pid, signal);
    else process.exit(code ?? 1);
  });
} else {
  require('../dist/cli/main.js');
}
