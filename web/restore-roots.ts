import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * Where the web page may restore to: inside one of the folders the server was started
 * with (`--restore-root DIR`, repeatable). A target is resolved through the symlinks of
 * the part of it that exists, so `root/link-to-etc/x` is refused like `/etc/x`.
 */
export const realTarget = (target: string): string => {
  let existing = path.resolve(target);
  const rest: string[] = [];
  while (!fs.existsSync(existing)) {
    const parent = path.dirname(existing);
    if (parent === existing) break;
    rest.unshift(path.basename(existing));
    existing = parent;
  }
  return path.join(fs.realpathSync(existing), ...rest);
};

export const insideRoots = (roots: readonly string[], target: string): boolean => {
  if (!path.isAbsolute(target) || target.includes('\0')) return false;
  const real = realTarget(target);
  return roots.some((root) => {
    const r = realTarget(root);
    return real === r || real.startsWith(r.endsWith(path.sep) ? r : `${r}${path.sep}`);
  });
};
