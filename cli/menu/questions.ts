import { confirm, select } from '@inquirer/prompts';
import * as E from 'fp-ts/Either';
import { labelNameFromInput } from '../../application/tags';
import { setNameFromInput } from '../../application/sets';
import { CopyCount, Location } from '../../domain/set/set-name';
import { tapeIdFromInput } from '../../application/tape-id-input';
import { normaliseColour } from '../../domain/label/label-name';
import { renderError } from '../errors';
import { MESSAGES } from '../ui/messages';
import { completePath, PATH_CHECKS } from './paths';
import { textPrompt, type Answer, type TextConfig } from './text-prompt';

const m = MESSAGES.menu;

export const BACK = { kind: 'back' } as const;

/**
 * A choice or a yes/no of `@inquirer/prompts`, with Esc as "back": Esc aborts the prompt
 * (its AbortSignal), which is read as going back one step. Ctrl-C still ends the menu.
 */
const escapable = async <T>(ask: (signal: AbortSignal) => Promise<T>): Promise<Answer<T>> => {
  const controller = new AbortController();
  const onKey = (_text: unknown, key: { readonly name?: string } | undefined): void => {
    if (key?.name === 'escape') controller.abort();
  };
  process.stdin.on('keypress', onKey);
  try {
    return { kind: 'answer', value: await ask(controller.signal) };
  } catch (error) {
    if (error instanceof Error && error.name === 'AbortPromptError') return BACK;
    throw error;
  } finally {
    process.stdin.off('keypress', onKey);
  }
};

export const choose = <T>(message: string, choices: readonly { readonly name: string; readonly value: T }[]): Promise<Answer<T>> =>
  escapable((signal) => select<T>({ message, choices: [...choices], pageSize: Math.min(choices.length, 15) }, { signal }));

export const yesNo = (message: string, fallback: boolean): Promise<Answer<boolean>> => escapable((signal) => confirm({ message, default: fallback }, { signal }));

export const text = (config: TextConfig): Promise<Answer<string>> => textPrompt(config);

/** A path question: Tab completes from the file system; Enter checks it with `check`. */
export const pathQuestion = (message: string, check: (typed: string) => true | string, fallback?: string): Promise<Answer<string>> =>
  textPrompt({ message, validate: check, complete: completePath, ...(fallback === undefined ? {} : { default: fallback }) });

/** Empty is fine; anything else must pass `check`. */
export const optionalCheck =
  (check: (typed: string) => true | string) =>
  (typed: string): true | string =>
    typed.trim() === '' ? true : check(typed);

export const required = (typed: string): true | string => (typed.trim() === '' ? m.required : true);

/** A barcode as `tape add` takes it, or "scan". */
export const barcodeCheck = (typed: string): true | string => {
  if (typed.trim().toLowerCase() === 'scan') return true;
  const parsed = tapeIdFromInput(typed);
  return E.isRight(parsed) ? true : m.badBarcode(renderError(parsed.left).message);
};

export const labelCheck = (typed: string): true | string => (E.isRight(labelNameFromInput(typed)) ? true : m.badLabel);

export const setCheck = (typed: string): true | string => (E.isRight(setNameFromInput(typed)) ? true : m.badSetName);

export const copiesCheck = (typed: string): true | string => (CopyCount.is(Number(typed.trim())) && typed.trim() !== '' ? true : m.badCopies);

export const locationCheck = (typed: string): true | string => (Location.is(typed.trim()) ? true : m.badLocation);

export const colourCheck = (typed: string): true | string => (normaliseColour(typed) === undefined ? m.badColour : true);

export const absoluteCheck = (typed: string): true | string => (typed.trim().startsWith('/') ? true : m.absolute);

export { PATH_CHECKS };
