/**
 * Builds the optional native addons from `npm run prepare` (so `npm ci` builds them):
 * native/segment-gcm (AES-256-GCM through the system's libcrypto) and native/file-meta
 * (utimensat(2): exact file times; SEEK_DATA/SEEK_HOLE: a sparse file's data). They need node-gyp (npm runs scripts with it on
 * PATH), a C compiler and, for segment-gcm, the OpenSSL headers (Debian: libssl-dev).
 * Without them a build is skipped with one line: node:crypto seals and opens segment
 * chunks (infrastructure/crypto/native-gcm.ts), and a restore sets times to the
 * microsecond (infrastructure/meta/file-times.ts).
 */
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';

const ADDONS: readonly (readonly [folder: string, without: string])[] = [
  ['segment-gcm', 'segment chunks use node:crypto'],
  ['file-meta', 'restores set times to the microsecond, and sparse files are archived in full'],
];

for (const [folder, without] of ADDONS) {
  const dir = path.join(__dirname, '..', '..', 'native', folder);
  const built = spawnSync('node-gyp', ['rebuild', `--directory=${dir}`], { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
  if (built.error !== undefined || built.status !== 0) {
    const firstError = built.stderr?.split('\n').find((line) => /error/i.test(line));
    const why = built.error?.message ?? firstError ?? `exit ${String(built.status)}`;
    console.warn(`native/${folder} not built (${why}): ${without}`);
  }
}
