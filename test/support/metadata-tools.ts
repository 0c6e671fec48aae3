import { spawnSync } from 'node:child_process';
import { nativeFileMeta } from '../../infrastructure/meta/native-file-meta';

/**
 * Why the full-metadata tests cannot run on this machine, or false. They compare with
 * GNU tar and read attributes with Debian's acl and attr tools (CI installs them: .ci/run),
 * change owners (root), and expect times to the nanosecond and holes, which need the
 * native addon native/file-meta (built by `npm ci` where a C compiler is). A machine with
 * only Node and npm skips them, saying which is missing.
 */
export const metadataToolsMissing = (): string | false => {
  for (const tool of ['tar', 'getfacl', 'setfacl', 'getfattr', 'setfattr', 'setpriv']) {
    if (spawnSync(tool, ['--version'], { stdio: 'ignore' }).error !== undefined) return `${tool} is not installed (Debian: tar, acl, attr, util-linux)`;
  }
  if (process.getuid?.() !== 0) return 'these tests change file owners: they run as root';
  if (nativeFileMeta === undefined) return 'the native addon native/file-meta is not built (times to the nanosecond and holes need it)';
  return false;
};
