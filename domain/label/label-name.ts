import * as t from 'io-ts';

interface LabelNameBrand {
  readonly LabelName: unique symbol;
}
/** A label's name: 1-40 of `[A-Za-z0-9._-]`, starting with a letter or digit (it is part of a stream name). */
export const LabelName = t.brand(
  t.string,
  (s): s is t.Branded<string, LabelNameBrand> => /^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$/.test(s),
  'LabelName',
);
export type LabelName = t.TypeOf<typeof LabelName>;
export const LABEL_NAME_FORM = '1-40 letters, digits, ".", "_" or "-", starting with a letter or digit';

interface ColourBrand {
  readonly Colour: unique symbol;
}
/** A colour as `#rrggbb`, lowercase. */
export const Colour = t.brand(t.string, (s): s is t.Branded<string, ColourBrand> => /^#[0-9a-f]{6}$/.test(s), 'Colour');
export type Colour = t.TypeOf<typeof Colour>;
export const COLOUR_FORM = '#rrggbb or #rgb (hex)';

/** `#F80` or `#ff8800` (any case) → `#ff8800`; anything else → undefined. */
export const normaliseColour = (input: string): Colour | undefined => {
  const s = input.trim().toLowerCase();
  const long = /^#[0-9a-f]{3}$/.test(s) ? `#${s[1]}${s[1]}${s[2]}${s[2]}${s[3]}${s[3]}` : s;
  return Colour.is(long) ? long : undefined;
};

/** The colour of a label created without `--color`. */
export const DEFAULT_COLOUR = '#808080';

export const labelStream = (label: LabelName): string => `label-${label}`;
