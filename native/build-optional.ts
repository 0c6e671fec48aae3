/**
 * Builds the optional native AES-GCM addon (native/segment-gcm) against the system's
 * libcrypto, from `npm run prepare` (so `npm ci` builds it). It needs node-gyp (npm runs
 * scripts with it on PATH), a C compiler and the OpenSSL headers (Debian: libssl-dev).
 * Without them the build is skipped with one line, and node:crypto seals and opens
 * segment chunks (see infrastructure/crypto/native-gcm.ts).
 */
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';

const dir = path.join(__dirname, '..', '..', 'native', 'segment-gcm');
const built = spawnSync('node-gyp', ['rebuild', `--directory=${dir}`], { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
if (built.error !== undefined || built.status !== 0) {
  const firstError = built.stderr?.split('\n').find((line) => /error/i.test(line));
  const why = built.error?.message ?? firstError ?? `exit ${String(built.status)}`;
  console.warn(`native/segment-gcm not built (${why}): segment chunks use node:crypto`);
}
