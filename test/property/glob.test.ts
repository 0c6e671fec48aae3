import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { compileGlob } from '../../domain/glob';
import { parseSearchPattern } from '../../domain/search-pattern';

// Names and patterns over a small alphabet, so that matches are common and the glob
// grammar's corners (classes holding `]`, `!`, escapes, unclosed `[`) come up often.
const nameChars = fc.constantFrom('a', 'b', 'z', ']', '!', '.', '[', '\\', '-', 'É');
const patternChars = fc.constantFrom('a', 'b', 'z', ']', '!', '.', '[', '\\', '-', '*', '?', 'É');
const name = fc.array(nameChars, { minLength: 1, maxLength: 8 }).map((cs) => cs.join(''));
const namePattern = fc.array(patternChars, { minLength: 1, maxLength: 8 }).map((cs) => cs.join(''));

describe('one glob grammar for restore, exclude and search', () => {
  it('every name a search pattern matches contains the literal runs its index looks up', () => {
    fc.assert(
      fc.property(namePattern, name, (pattern, candidate) => {
        const parsed = parseSearchPattern(pattern);
        if (parsed.target !== 'name' || !parsed.regex.test(candidate)) return;
        for (const literal of parsed.nameLiterals) {
          assert.ok(candidate.toLowerCase().includes(literal), `${JSON.stringify(pattern)} matches ${JSON.stringify(candidate)} without ${JSON.stringify(literal)}`);
        }
        if (parsed.nameSuffix !== undefined) assert.ok(candidate.toLowerCase().endsWith(parsed.nameSuffix));
      }),
      { numRuns: 20_000 },
    );
  });

  it('search finds every name restore --path selects with the same glob, and neither throws', () => {
    fc.assert(
      fc.property(namePattern.filter((p) => /[*?[]/.test(p)), name, (pattern, candidate) => {
        const bySearch = parseSearchPattern(pattern).regex.test(candidate);
        // At the root, so that restore's "or a folder that holds it" does not come into it.
        const byRestore = compileGlob(pattern).matches(`/${candidate}`);
        // Search also ignores case (a range like [?-a] holds B), so it may match more, never less.
        if (byRestore) assert.ok(bySearch, `${JSON.stringify(pattern)} on ${JSON.stringify(candidate)}`);
      }),
      { numRuns: 20_000 },
    );
  });

  it('a class whose first member is ] does not end at that ]', () => {
    const parsed = parseSearchPattern('[!]]zzzabc*');
    assert.ok(parsed.regex.test('xzzzabc1'));
    assert.ok(!parsed.regex.test(']zzzabc1'));
    assert.deepEqual(parsed.nameLiterals, ['zzzabc']);
  });

  it('a range written backwards matches nothing instead of failing', () => {
    assert.ok(!compileGlob('[z-a]x').matches('/bx'));
    assert.ok(compileGlob('[z-ab]x').matches('/bx'));
    assert.ok(parseSearchPattern('[!z-a]x').regex.test('bx'));
  });

  it('a class never matches the folder separator, even through a range that spans it', () => {
    assert.ok(!compileGlob('/a[*-a]b').matches('/a/b'));
    assert.ok(compileGlob('/a[*-a]b').matches('/a-b'));
  });
});
