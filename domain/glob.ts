/**
 * Shell-style globs over `/`-separated absolute paths, compiled to a RegExp:
 * `**` any run of characters including `/` (a `**` segment also matches no folder),
 * `*` any run without `/`, `?` one character but `/`, `[abc]` `[a-z]` `[!abc]` classes,
 * `\x` a literal x. A pattern without `/` matches a name at any depth (`*.dng`);
 * one with `/` that does not start with `/` matches at any depth too (`2019/*.jpg`).
 *
 * One parser ({@link parseGlob}) serves every user of a glob: restore's `--path`, backup's
 * `--exclude` and search (which also asks it for the literal runs its index can look up),
 * so they can never read one pattern two ways.
 */
export interface Glob {
  readonly pattern: string;
  /** Does the pattern match this path, or a folder that contains it? */
  readonly matches: (path: string) => boolean;
}

export type GlobToken =
  | { readonly kind: 'literal'; readonly text: string }
  /** `*`: any run of characters but `/`. */
  | { readonly kind: 'star' }
  /** `**` inside a segment: any run of characters, `/` included. */
  | { readonly kind: 'globstar' }
  /** `**` then `/` at the start of a segment: any number of whole folders, none included. */
  | { readonly kind: 'folders' }
  /** `?`: one character but `/`. */
  | { readonly kind: 'one' }
  /** `[…]`: the RegExp class it compiles to. */
  | { readonly kind: 'class'; readonly source: string };

const escapeRegExp = (c: string): string => c.replace(/[.+^${}()|[\]\\*?/]/g, '\\$&');

/** A character as a member of a RegExp class (`u` flag: only syntax characters may be escaped). */
const classMember = (c: string): string => (/[\\\][^$.*+?(){}|/-]/.test(c) ? `\\${c}` : c);

/**
 * The members of a class body: single characters and `x-y` ranges. A range whose end comes
 * before its start matches nothing (as in fnmatch), rather than making the RegExp invalid.
 */
const classBody = (chars: readonly string[]): string => {
  let body = '';
  for (let k = 0; k < chars.length; k++) {
    const c = chars[k] ?? '';
    const end = chars[k + 2];
    if (chars[k + 1] === '-' && end !== undefined) {
      if ((c.codePointAt(0) ?? 0) <= (end.codePointAt(0) ?? 0)) body += `${classMember(c)}-${classMember(end)}`;
      k += 2;
    } else body += classMember(c);
  }
  return body;
};

/** The class starting at `[` at i, and the index of its closing `]`; none when unclosed. */
const classAt = (pattern: string, i: number): { source: string; end: number } | undefined => {
  const chars = [...pattern.slice(i + 1)];
  let j = 0;
  const negate = chars[j] === '!' || chars[j] === '^';
  if (negate) j++;
  const members: string[] = [];
  // A `]` right after the opening (or its `!`) is a member, not the end: `[]]`, `[!]]`.
  if (chars[j] === ']') members.push(chars[j++] ?? '');
  for (; j < chars.length && chars[j] !== ']'; j++) members.push(chars[j] ?? '');
  if (j >= chars.length) return undefined;
  const body = classBody(members);
  const end = i + 1 + chars.slice(0, j).join('').length;
  if (negate) return { source: `[^/${body}]`, end };
  // A class with no member left (only reversed ranges) matches no character; a range that
  // spans `/` (`[*-a]`) still never matches it, as in the shell.
  return { source: body === '' ? '[^\\s\\S]' : `(?!/)[${body}]`, end };
};

const pushLiteral = (tokens: GlobToken[], text: string): void => {
  const last = tokens[tokens.length - 1];
  if (last?.kind === 'literal') tokens[tokens.length - 1] = { kind: 'literal', text: last.text + text };
  else tokens.push({ kind: 'literal', text });
};

/** The tokens of a glob, adjacent literals merged. */
export const parseGlob = (pattern: string): GlobToken[] => {
  const tokens: GlobToken[] = [];
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i] ?? '';
    if (c === '*' && pattern[i + 1] === '*') {
      const atSegmentStart = i === 0 || pattern[i - 1] === '/';
      i++;
      if (atSegmentStart && pattern[i + 1] === '/') {
        tokens.push({ kind: 'folders' });
        i++;
      } else tokens.push({ kind: 'globstar' });
    } else if (c === '*') tokens.push({ kind: 'star' });
    else if (c === '?') tokens.push({ kind: 'one' });
    else if (c === '[') {
      const cls = classAt(pattern, i);
      if (cls === undefined) pushLiteral(tokens, c);
      else {
        tokens.push({ kind: 'class', source: cls.source });
        i = cls.end;
      }
    } else if (c === '\\' && i + 1 < pattern.length) {
      pushLiteral(tokens, pattern[i + 1] ?? '');
      i++;
    } else pushLiteral(tokens, c);
  }
  return tokens;
};

const tokenSource = (token: GlobToken): string => {
  switch (token.kind) {
    case 'literal':
      return [...token.text].map(escapeRegExp).join('');
    case 'star':
      return '[^/]*';
    case 'globstar':
      return '.*';
    case 'folders':
      return '(?:.*/)?';
    case 'one':
      return '[^/]';
    case 'class':
      return token.source;
  }
};

/** The RegExp source of a glob (unanchored): for callers that match differently (search). */
export const globSource = (pattern: string): string => parseGlob(pattern).map(tokenSource).join('');

/**
 * The literal runs of a glob, split at every wildcard and class: every match contains
 * each run, in order. (What search's trigram index can look up.)
 */
export const globLiteralRuns = (pattern: string): string[] => {
  const runs: string[] = [''];
  for (const token of parseGlob(pattern)) {
    if (token.kind === 'literal') runs[runs.length - 1] += token.text;
    else runs.push('');
  }
  return runs;
};

const ancestorsAndSelf = (path: string): string[] => {
  const out = [path];
  for (let cut = path.lastIndexOf('/'); cut > 0; cut = path.lastIndexOf('/', cut - 1)) out.push(path.slice(0, cut));
  return out;
};

export const compileGlob = (pattern: string): Glob => {
  const anchored = pattern.startsWith('/') ? pattern : `**/${pattern}`;
  const trimmed = anchored.length > 1 && anchored.endsWith('/') ? anchored.slice(0, -1) : anchored;
  const regex = new RegExp(`^${globSource(trimmed)}$`, 'su');
  return { pattern, matches: (path) => ancestorsAndSelf(path).some((p) => regex.test(p)) };
};

/** True when any of the globs matches (none given: nothing matches). */
export const anyGlob = (globs: readonly Glob[]) => (path: string): boolean => globs.some((g) => g.matches(path));
