/**
 * Shell-style globs over `/`-separated absolute paths, compiled to a RegExp:
 * `**` any run of characters including `/` (a `**` segment also matches no folder),
 * `*` any run without `/`, `?` one character but `/`, `[abc]` `[a-z]` `[!abc]` classes,
 * `\x` a literal x. A pattern without `/` matches a name at any depth (`*.dng`);
 * one with `/` that does not start with `/` matches at any depth too (`2019/*.jpg`).
 */
export interface Glob {
  readonly pattern: string;
  /** Does the pattern match this path, or a folder that contains it? */
  readonly matches: (path: string) => boolean;
}

const escapeRegExp = (c: string): string => c.replace(/[.+^${}()|[\]\\*?]/g, '\\$&');

const classAt = (pattern: string, i: number): { source: string; end: number } | undefined => {
  let j = i + 1;
  let negate = false;
  if (pattern[j] === '!' || pattern[j] === '^') {
    negate = true;
    j++;
  }
  let body = '';
  if (pattern[j] === ']') {
    body += '\\]';
    j++;
  }
  for (; j < pattern.length && pattern[j] !== ']'; j++) {
    const c = pattern[j] ?? '';
    body += c === '\\' || c === '^' || c === '[' ? `\\${c}` : c;
  }
  if (j >= pattern.length) return undefined;
  return { source: negate ? `[^/${body}]` : `[${body}]`, end: j };
};

const compile = (pattern: string): string => {
  let out = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i] ?? '';
    if (c === '*' && pattern[i + 1] === '*') {
      const atSegmentStart = i === 0 || pattern[i - 1] === '/';
      i++;
      if (atSegmentStart && pattern[i + 1] === '/') {
        out += '(?:.*/)?';
        i++;
      } else out += '.*';
    } else if (c === '*') out += '[^/]*';
    else if (c === '?') out += '[^/]';
    else if (c === '[') {
      const cls = classAt(pattern, i);
      if (cls === undefined) out += '\\[';
      else {
        out += cls.source;
        i = cls.end;
      }
    } else if (c === '\\' && i + 1 < pattern.length) {
      out += escapeRegExp(pattern[i + 1] ?? '');
      i++;
    } else out += escapeRegExp(c);
  }
  return out;
};

const ancestorsAndSelf = (path: string): string[] => {
  const out = [path];
  for (let cut = path.lastIndexOf('/'); cut > 0; cut = path.lastIndexOf('/', cut - 1)) out.push(path.slice(0, cut));
  return out;
};

/** The RegExp source of a glob (unanchored): for callers that match differently (search). */
export const globSource = (pattern: string): string => compile(pattern);

export const compileGlob = (pattern: string): Glob => {
  const anchored = pattern.startsWith('/') ? pattern : `**/${pattern}`;
  const trimmed = anchored.length > 1 && anchored.endsWith('/') ? anchored.slice(0, -1) : anchored;
  const regex = new RegExp(`^${compile(trimmed)}$`, 'su');
  return { pattern, matches: (path) => ancestorsAndSelf(path).some((p) => regex.test(p)) };
};

/** True when any of the globs matches (none given: nothing matches). */
export const anyGlob = (globs: readonly Glob[]) => (path: string): boolean => globs.some((g) => g.matches(path));
