/**
 * File names are bytes on Linux; this project holds a path as text (events, catalog, JSON).
 * The text of a path is its bytes decoded as UTF-8, except that each byte that is not part
 * of a valid UTF-8 sequence is written as NUL followed by its two lowercase hex digits
 * (`\0ff` for 0xFF). NUL is the one character no Linux name can hold, so the escape never
 * collides with a real name: the text is exact for any bytes, and a valid UTF-8 name
 * (including one that contains U+FFFD) is its plain text, the same as before
 * (docs/FORMAT.md, Names).
 */

const ESCAPE = '\0';
const HEX = /^[0-9a-f]{2}$/;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Length of the strict UTF-8 sequence at `at` (Unicode Table 3-7), or 0 when none starts there. */
const sequenceLength = (bytes: Uint8Array, at: number): number => {
  const b0 = bytes[at]!;
  if (b0 < 0x80) return 1;
  const cont = (i: number, lo = 0x80, hi = 0xbf): boolean => {
    const b = bytes[at + i];
    return b !== undefined && b >= lo && b <= hi;
  };
  if (b0 >= 0xc2 && b0 <= 0xdf) return cont(1) ? 2 : 0;
  if (b0 === 0xe0) return cont(1, 0xa0) && cont(2) ? 3 : 0;
  if ((b0 >= 0xe1 && b0 <= 0xec) || b0 === 0xee || b0 === 0xef) return cont(1) && cont(2) ? 3 : 0;
  if (b0 === 0xed) return cont(1, 0x80, 0x9f) && cont(2) ? 3 : 0;
  if (b0 === 0xf0) return cont(1, 0x90) && cont(2) && cont(3) ? 4 : 0;
  if (b0 >= 0xf1 && b0 <= 0xf3) return cont(1) && cont(2) && cont(3) ? 4 : 0;
  if (b0 === 0xf4) return cont(1, 0x80, 0x8f) && cont(2) && cont(3) ? 4 : 0;
  return 0;
};

const escapeInvalid = (bytes: Buffer): string => {
  let text = '';
  let run = 0;
  for (let i = 0; i < bytes.length; ) {
    const n = sequenceLength(bytes, i);
    if (n > 0) {
      i += n;
      continue;
    }
    text += bytes.toString('utf8', run, i) + ESCAPE + bytes[i]!.toString(16).padStart(2, '0');
    i += 1;
    run = i;
  }
  return text + bytes.toString('utf8', run);
};

/** The text of a name or path given as bytes (exact: `nameBytes` gives the same bytes back). */
export const nameText = (bytes: Buffer): string => {
  const text = bytes.toString('utf8');
  // Buffer decoding replaces every invalid sequence with U+FFFD: no U+FFFD, nothing was invalid.
  if (!text.includes('\uFFFD') || (Buffer.byteLength(text, 'utf8') === bytes.length && Buffer.from(text, 'utf8').equals(bytes))) return text;
  return escapeInvalid(bytes);
};

/** The bytes of a name's text: its UTF-8, with every `\0hh` escape as the byte it stands for. */
export const nameBytes = (text: string): Buffer => {
  if (!text.includes(ESCAPE)) return Buffer.from(text, 'utf8');
  const parts: Buffer[] = [];
  let run = 0;
  for (let at = text.indexOf(ESCAPE); at !== -1; at = text.indexOf(ESCAPE, run)) {
    parts.push(Buffer.from(text.slice(run, at), 'utf8'), Buffer.of(Number.parseInt(text.slice(at + 1, at + 3), 16)));
    run = at + 3;
  }
  parts.push(Buffer.from(text.slice(run), 'utf8'));
  return Buffer.concat(parts);
};

/** Byte length of a name's text on disk. */
export const nameByteLength = (text: string): number => (text.includes(ESCAPE) ? nameBytes(text).length : Buffer.byteLength(text, 'utf8'));

/**
 * Whether a text is the exact text of some bytes: every NUL starts an escape of a byte
 * that is not valid UTF-8 where it stands (so one set of bytes has one text, never two).
 */
export const isNameText = (text: string): boolean => {
  if (LONE_SURROGATE.test(text)) return false;
  if (!text.includes(ESCAPE)) return true;
  for (let at = text.indexOf(ESCAPE); at !== -1; at = text.indexOf(ESCAPE, at + 1)) {
    if (!HEX.test(text.slice(at + 1, at + 3))) return false;
  }
  return nameText(nameBytes(text)) === text;
};

/** A path for a file-system call: the text itself when it is plain UTF-8, its bytes otherwise. */
export const fsPath = (text: string): string | Buffer => (text.includes(ESCAPE) ? nameBytes(text) : text);

const CONTROL = /[\0-\x1f\x7f\u0080-\u009f\u2028\u2029]/g;
const controlEscape = (c: string): string => {
  if (c === '\n') return '\\n';
  if (c === '\t') return '\\t';
  if (c === '\r') return '\\r';
  const code = c.charCodeAt(0);
  // `\xhh` is kept for bytes (below 0x80, a byte and its character are one): a C1 control is a character, `\u0085`.
  return code < 0x80 ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
};

/**
 * A name as a person reads it on one terminal line: bytes that are not UTF-8 as `\xff`,
 * control characters (a newline, an escape sequence) as `\n`, `\x1b`, a backslash as
 * `\\` (so the form is unambiguous: `nameFromInput` reads it back); never raw bytes.
 */
export const displayName = (text: string): string => {
  const shown = text.replace(/\\/g, '\\\\').replace(/\0([0-9a-f]{2})/g, (_m, hex: string) => `\u0000x${hex}`);
  return shown.replace(CONTROL, (c) => (c === '\0' ? '\\' : controlEscape(c)));
};

/**
 * A glob typed by a person: each run of `\xHH` escapes of bytes 0x80-0xFF (as `displayName`
 * shows a name that is not UTF-8) becomes those bytes' name text; everything else is left
 * to the glob's own syntax (where a backslash escapes the next character).
 */
export const globFromInput = (pattern: string): string =>
  pattern.replace(/(?:\\x[89a-fA-F][0-9a-fA-F])+/g, (run) => nameText(Buffer.from(run.split('\\x').slice(1).map((h) => Number.parseInt(h, 16)))));

const INPUT_ESCAPE = /\\(\\|x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|n|t|r)/g;

const inputEscape = (e: string): Buffer => {
  if (e.startsWith('x')) return Buffer.of(Number.parseInt(e.slice(1), 16));
  if (e.startsWith('u')) return Buffer.from(String.fromCharCode(Number.parseInt(e.slice(1), 16)), 'utf8');
  return Buffer.from(e === 'n' ? '\n' : e === 't' ? '\t' : e === 'r' ? '\r' : e, 'utf8');
};

/**
 * A name typed by a person in the form `displayName` shows (`Fotos-\xe9t\xe9-2019`,
 * `new\nline.txt`, `a\\b`), as its name text. A backslash before anything else stays a
 * backslash. Arguments reach Node as UTF-8 text, so this is the way to name bytes that are not.
 */
export const nameFromInput = (input: string): string => {
  if (!input.includes('\\')) return input;
  const parts: Buffer[] = [];
  let last = 0;
  for (const m of input.matchAll(INPUT_ESCAPE)) {
    parts.push(Buffer.from(input.slice(last, m.index), 'utf8'));
    const e = m[1] ?? '';
    parts.push(inputEscape(e));
    last = m.index + m[0].length;
  }
  parts.push(Buffer.from(input.slice(last), 'utf8'));
  const bytes = Buffer.concat(parts);
  // A NUL or a `/` typed as \x00 or \x2f is no name byte: the input stays as typed.
  return bytes.includes(0) ? input : nameText(bytes);
};
