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
  if (!text.includes('\uFFFD') || Buffer.byteLength(text, 'utf8') === bytes.length && Buffer.from(text, 'utf8').equals(bytes)) return text;
  return escapeInvalid(bytes);
};

/** Whether a text holds escaped bytes (a name that is not valid UTF-8). */
export const hasEscapedBytes = (text: string): boolean => text.includes(ESCAPE);

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
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
};

/**
 * A name as a person reads it on one terminal line: bytes that are not UTF-8 as `\xff`,
 * control characters (a newline, an escape sequence) as `\n`, `\x1b`; never raw bytes.
 */
export const displayName = (text: string): string => {
  const shown = text.replace(/\0([0-9a-f]{2})/g, (_m, hex: string) => `\u0000x${hex}`);
  return shown.replace(CONTROL, (c) => (c === '\0' ? '\\' : controlEscape(c)));
};
