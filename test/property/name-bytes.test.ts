import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { displayName, globFromInput, isNameText, nameByteLength, nameBytes, nameFromInput, nameText } from '../../domain/name-bytes';
import { restoreComponents } from '../../domain/restore-path';

const RUNS = Number(process.env['FUZZ_RUNS'] ?? 2000);

/** Bytes a Linux name may hold (anything but NUL), biased towards high bytes and UTF-8 lead/continuation bytes. */
const nameByte = fc.oneof(fc.integer({ min: 1, max: 0x7f }), fc.integer({ min: 0x80, max: 0xff }), fc.constantFrom(0xc3, 0xa9, 0xe2, 0x82, 0xac, 0xef, 0xbf, 0xbd, 0xed, 0xa0, 0xf0, 0x9f));
const anyName = fc.array(nameByte, { maxLength: 40 }).map((b) => Buffer.from(b));

describe('name text (domain/name-bytes.ts)', () => {
  it('is exact for any bytes: nameBytes(nameText(b)) equals b', () => {
    fc.assert(
      fc.property(anyName, (bytes) => {
        const text = nameText(bytes);
        assert.ok(nameBytes(text).equals(bytes));
        assert.equal(nameByteLength(text), bytes.length);
        assert.ok(isNameText(text));
      }),
      { numRuns: RUNS },
    );
  });

  it('is the plain text of a valid UTF-8 name, U+FFFD and newlines included', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme' }).filter((s) => !s.includes('\0')), (s) => {
        assert.equal(nameText(Buffer.from(s, 'utf8')), s);
      }),
      { numRuns: RUNS },
    );
    assert.equal(nameText(Buffer.from('repl\uFFFDchar', 'utf8')), 'repl\uFFFDchar');
    assert.equal(nameText(Buffer.from('new\nline', 'utf8')), 'new\nline');
  });

  it('escapes each byte that is not UTF-8, and only those', () => {
    assert.equal(nameText(Buffer.from('bad\xff.txt', 'latin1')), 'bad\u0000ff.txt');
    assert.equal(nameText(Buffer.from('Fotos-\xe9t\xe9-2019', 'latin1')), 'Fotos-\u0000e9t\u0000e9-2019');
    // A surrogate encoded in UTF-8 (CESU) is not valid UTF-8: three escapes.
    assert.equal(nameText(Buffer.from([0x61, 0xed, 0xa0, 0x80])), 'a\u0000ed\u0000a0\u000080');
    // A truncated sequence before a valid one.
    assert.equal(nameText(Buffer.from([0xc3, 0xc3, 0xa9])), '\u0000c3é');
  });

  it('gives one text per name: a NUL that is not an escape of a non-UTF-8 byte is not a name text', () => {
    for (const bad of ['a\u0000', 'a\u0000f', 'a\u0000FF', 'a\u00002f', 'a\u000041', 'a\u000000', '\uD800x']) assert.equal(isNameText(bad), false, JSON.stringify(bad));
  });

  it('shows any name on one line, without control characters or raw bytes', () => {
    fc.assert(
      fc.property(anyName, (bytes) => {
        const shown = displayName(nameText(bytes));
        assert.doesNotMatch(shown, /[\0-\x1f\x7f-\x9f]/);
      }),
      { numRuns: RUNS },
    );
    assert.equal(displayName(nameText(Buffer.from('bad\xff.txt', 'latin1'))), 'bad\\xff.txt');
    assert.equal(displayName('new\nline\x1b[31m'), 'new\\nline\\x1b[31m');
  });

  it('reads a name back from the form it is shown in (browse), and bytes in a glob (search, restore --path)', () => {
    fc.assert(
      fc.property(anyName, (bytes) => {
        const text = nameText(bytes);
        assert.equal(nameFromInput(displayName(text)), text);
      }),
      { numRuns: RUNS },
    );
    assert.equal(nameFromInput('/a/Fotos-\\xe9t\\xe9'), '/a/Fotos-\u0000e9t\u0000e9');
    assert.equal(nameFromInput('a\\b'), 'a\\b', 'a backslash before anything else stays');
    assert.equal(displayName('a\\b'), 'a\\\\b');
    assert.equal(globFromInput('**/*-\\xe9.jpg'), '**/*-\u0000e9.jpg');
    assert.equal(globFromInput('caf\\xc3\\xa9*'), 'café*', 'bytes that are UTF-8 are their characters');
    assert.equal(globFromInput('a\\*b\\x41'), 'a\\*b\\x41', 'glob escapes and ASCII stay');
  });

  it('restore accepts an escaped name and still refuses a stray NUL', () => {
    assert.deepEqual(restoreComponents('/a/bad\u0000ff', 0), { _tag: 'Right', right: ['a', 'bad\u0000ff'] });
    assert.equal(restoreComponents('/a/b\u0000', 0)._tag, 'Left');
    assert.equal(restoreComponents('/a/\u00002e\u00002e/x', 0)._tag, 'Left', 'an escaped "." is no escape of a non-UTF-8 byte');
  });
});
