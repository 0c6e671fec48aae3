import * as fs from 'node:fs';
import * as path from 'node:path';
import * as E from 'fp-ts/Either';

/** `--to`: a folder (created when missing, unless only planning); a file there is refused. */
export const checkTargetFolder = (
  to: string,
  dryRun: boolean,
): E.Either<{ readonly _tag: 'RestoreTargetNotFolder'; readonly path: string }, string> => {
  const resolved = path.resolve(to);
  try {
    if (!fs.statSync(resolved).isDirectory()) return E.left({ _tag: 'RestoreTargetNotFolder', path: resolved });
    return E.right(fs.realpathSync(resolved));
  } catch {
    if (dryRun) return E.right(resolved);
    try {
      fs.mkdirSync(resolved, { recursive: true });
      return E.right(fs.realpathSync(resolved));
    } catch {
      return E.left({ _tag: 'RestoreTargetNotFolder', path: resolved });
    }
  }
};
