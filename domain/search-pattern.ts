import { globLiteralRuns, globSource } from './glob';

/**
 * What `lto search` looks for. A pattern with `*`, `?` or `[` is a glob (as in
 * restore's `--path`), anything else a substring; both ignore case. A pattern with `/`
 * is matched against whole paths (`2019/*.dng` at any depth, `/home/me/**` anchored),
 * one without against names only.
 */
export interface SearchPattern {
  readonly pattern: string;
  readonly target: 'name' | 'path';
  /** Matches the name (target `name`) or the whole absolute path (target `path`). */
  readonly regex: RegExp;
  /**
   * Literal runs of 3+ characters that every matching *name* contains (lowercased):
   * what the trigram index can look up. Empty: candidates cannot be narrowed by name.
   */
  readonly nameLiterals: readonly string[];
  /**
   * For a name glob `*<literal>` (`*.dng`): the literal, lowercased, that every match
   * ends with: an index on reversed names answers it as a range.
   */
  readonly nameSuffix?: string;
  /**
   * For a path glob whose last part has no `**`: the folders that can hold a match
   * (`2019/*\/*.jpg` → folders matching `**\/2019/*`). Folders are few: this narrows first.
   */
  readonly dirRegex?: RegExp;
}

const GLOB_CHARS = /[*?[]/;
const escapeRegExp = (s: string): string => s.replace(/[.+^${}()|[\]\\*?/]/g, '\\$&');

const trigramable = (runs: readonly string[]): string[] =>
  [...new Set(runs.filter((r) => [...r].length >= 3).map((r) => r.toLowerCase()))];

export const parseSearchPattern = (input: string): SearchPattern => {
  const pattern = input.trim();
  const isGlob = GLOB_CHARS.test(pattern);
  const target = pattern.includes('/') ? 'path' : 'name';
  if (!isGlob) {
    return {
      pattern,
      target,
      regex: new RegExp(escapeRegExp(pattern), 'iu'),
      // A substring of a path may span folders: only a name-only substring narrows by name.
      nameLiterals: target === 'name' ? trigramable([pattern]) : [],
    };
  }
  if (target === 'name') {
    const suffix = /^\*([^*?[\\]+)$/.exec(pattern)?.[1];
    return {
      pattern,
      target,
      regex: new RegExp(`^${globSource(pattern)}$`, 'isu'),
      nameLiterals: trigramable(globLiteralRuns(pattern)),
      ...(suffix === undefined ? {} : { nameSuffix: suffix.toLowerCase() }),
    };
  }
  const anchored = pattern.startsWith('/') ? pattern : `**/${pattern}`;
  const cut = anchored.lastIndexOf('/');
  const last = anchored.slice(cut + 1);
  const dirPart = cut === 0 ? '/' : anchored.slice(0, cut);
  return {
    pattern,
    target,
    regex: new RegExp(`^${globSource(anchored)}$`, 'isu'),
    nameLiterals: last.includes('**') ? [] : trigramable(globLiteralRuns(last)),
    ...(last.includes('**') ? {} : { dirRegex: new RegExp(`^${globSource(dirPart)}$`, 'isu') }),
  };
};
