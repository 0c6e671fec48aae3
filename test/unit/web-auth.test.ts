import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { cookieValue, isLoopback, newToken, sameSecret, Sessions } from '../../web/auth';

describe('web catalog access', () => {
  it('makes tokens of 32 random bytes, and compares secrets exactly', () => {
    const a = newToken();
    assert.match(a, /^[\w-]{43}$/);
    assert.notEqual(a, newToken());
    assert.equal(sameSecret(a, a), true);
    assert.equal(sameSecret(`${a}x`, a), false, 'a longer guess');
    assert.equal(sameSecret(a.slice(0, -1), a), false, 'a shorter guess');
    assert.equal(sameSecret('', a), false);
  });

  it('finds a session by its cookie only, and keeps the newest 100', () => {
    const sessions = new Sessions();
    const first = sessions.open();
    assert.equal(sessions.find(first.id), first);
    assert.equal(sessions.find(first.csrf), undefined, 'the CSRF token is not a session');
    assert.equal(sessions.find(''), undefined);
    assert.equal(sessions.find(undefined), undefined);
    const later = Array.from({ length: 100 }, () => sessions.open());
    assert.equal(sessions.find(first.id), undefined, 'the oldest went');
    assert.equal(sessions.find(later[0]!.id), later[0]);
  });

  it('reads one cookie from a Cookie header', () => {
    assert.equal(cookieValue('a=1; lto_session=abc; b=2', 'lto_session'), 'abc');
    assert.equal(cookieValue('xlto_session=abc', 'lto_session'), undefined);
    assert.equal(cookieValue(undefined, 'lto_session'), undefined);
  });

  it('knows loopback addresses', () => {
    for (const host of ['127.0.0.1', '127.1.2.3', '::1', 'localhost']) assert.equal(isLoopback(host), true, host);
    for (const host of ['0.0.0.0', '192.168.1.2', '::', 'example.com', '127.0.0.1.example.com']) assert.equal(isLoopback(host), false, host);
  });
});
