import * as t from 'io-ts';
import { checked } from '../ids';

interface SetNameBrand {
  readonly SetName: unique symbol;
}
/** A tape set's name: 1-40 of `[A-Za-z0-9._-]`, starting with a letter or digit (it is part of a stream name). */
export const SetName = t.brand(
  t.string,
  (s): s is t.Branded<string, SetNameBrand> => /^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$/.test(s),
  'SetName',
);
export type SetName = t.TypeOf<typeof SetName>;
export const SET_NAME_FORM = '1-40 letters, digits, ".", "_" or "-", starting with a letter or digit';

/** How many copies of every job a set asks for: 1 to 9. */
export const CopyCount = checked('CopyCount', t.number, (n) => Number.isInteger(n) && n >= 1 && n <= 9);
export const COPY_COUNT_FORM = 'a whole number from 1 to 9';

export const setStream = (set: SetName): string => `set-${set}`;

/**
 * Where a tape is kept: free text a person recognises ("library", "shelf", "Vault B"),
 * 1-60 printable characters, no leading or trailing space.
 */
export const Location = checked(
  'Location',
  t.string,
  (s) => s.length >= 1 && s.length <= 60 && s === s.trim() && !/[\u0000-\u001f\u007f]/.test(s),
);
export const LOCATION_FORM = '1-60 printable characters, such as library, shelf or "Vault B"';

/** Where a tape is until it is first moved: it was added through a drive. */
export const DEFAULT_LOCATION = 'library';
