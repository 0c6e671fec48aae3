import { createPrompt, isEnterKey, isTabKey, makeTheme, usePrefix, useState, useKeypress } from '@inquirer/core';

/** What a question of the menu gives back: an answer, or Esc (go back one step). */
export type Answer<T> = { readonly kind: 'answer'; readonly value: T } | { readonly kind: 'back' };

export interface TextConfig {
  readonly message: string;
  readonly default?: string;
  /** Checked on Enter: true, or why not (shown under the line; the question stays). */
  readonly validate?: (value: string) => true | string;
  /** Tab: what the line can become (paths, for a path question). */
  readonly complete?: (line: string) => readonly string[];
}

/** The longest start every candidate shares. */
export const commonStart = (candidates: readonly string[]): string => {
  const [first = '', ...rest] = candidates;
  let end = first.length;
  for (const c of rest) {
    let i = 0;
    while (i < end && i < c.length && c[i] === first[i]) i++;
    end = i;
  }
  return first.slice(0, end);
};

/** `/a/b/c/` → `c/`, `/a/b/c` → `c`: how candidates are listed under the line. */
const lastPart = (candidate: string): string => candidate.slice(candidate.lastIndexOf('/', candidate.length - 2) + 1);

/**
 * One line of text, as `@inquirer/prompts`' input but: Enter checks the answer and asks
 * again with the reason when it is refused (nothing typed so far is lost); Tab completes
 * (the common start of every candidate; several are listed under the line) instead of
 * putting a tab into the text; Esc answers "back".
 */
export const textPrompt = createPrompt<Answer<string>, TextConfig>((config, done) => {
  const theme = makeTheme({});
  const [status, setStatus] = useState<'idle' | 'done'>('idle');
  const [value, setValue] = useState('');
  const [error, setError] = useState<string | undefined>(undefined);
  const [hints, setHints] = useState<readonly string[]>([]);
  const prefix = usePrefix({ status, theme });

  useKeypress((key, rl) => {
    if (status !== 'idle') return;
    if (key.name === 'escape') {
      setStatus('done');
      done({ kind: 'back' });
    } else if (isEnterKey(key)) {
      const answer = value === '' ? (config.default ?? '') : value;
      const verdict = config.validate?.(answer) ?? true;
      if (verdict === true) {
        setValue(answer);
        setStatus('done');
        done({ kind: 'answer', value: answer });
      } else {
        // readline cleared its line on Enter: give it back what was typed.
        rl.write(value);
        setError(verdict);
      }
    } else if (isTabKey(key)) {
      const typed = rl.line.replace(/\t/g, '');
      const candidates = config.complete?.(typed) ?? [];
      const completed = candidates.length === 0 ? typed : commonStart(candidates).length > typed.length ? commonStart(candidates) : typed;
      rl.clearLine(0);
      rl.write(completed);
      setValue(completed);
      setHints(candidates.length > 1 ? candidates : []);
    } else {
      setValue(rl.line);
      setError(undefined);
      setHints([]);
    }
  });

  const message = theme.style.message(config.message, status);
  const shown = status === 'done' ? theme.style.answer(value) : value;
  const fallback = value === '' && status !== 'done' && config.default !== undefined && config.default !== '' ? theme.style.defaultAnswer(config.default) : undefined;
  const below = [
    ...(error === undefined ? [] : [theme.style.error(error)]),
    ...(hints.length === 0 ? [] : [hints.slice(0, 12).map(lastPart).join('  ') + (hints.length > 12 ? `  … (${hints.length - 12} more)` : '')]),
  ].join('\n');
  return [[prefix, message, fallback, shown].filter((part) => part !== undefined).join(' '), below];
});
