import * as E from 'fp-ts/Either';
import { isNameText } from './name-bytes';

/**
 * Where an archived path goes under a restore target, as path components: the original
 * absolute path without its leading `/` (as tar does), less `strip` leading components.
 * A path read from a tape is untrusted: anything that could climb out of the target
 * (`..`, `.`, empty components, NUL, not absolute) is refused with the reason.
 */
export const restoreComponents = (original: string, strip: number): E.Either<string, readonly string[] | null> => {
  if (!original.startsWith('/')) return E.left('not an absolute path');
  // A NUL stands only as the escape of a byte that is not UTF-8 (name-bytes.ts); any other is refused.
  if (original.includes('\0') && !isNameText(original)) return E.left('contains a NUL byte');
  const components = original.split('/').slice(1);
  if (components.length === 1 && components[0] === '') return E.right(null);
  for (const c of components) {
    if (c === '' || c === '.' || c === '..') return E.left(`has a "${c === '' ? '//' : c}" component`);
  }
  const kept = components.slice(strip);
  return E.right(kept.length === 0 ? null : kept);
};
