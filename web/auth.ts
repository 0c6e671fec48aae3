import * as crypto from 'node:crypto';
import type { Names } from '../application/entry-names';

/**
 * Who may use the web catalog: whoever holds the access token the server printed (or
 * read from --token-file). The first visit carries it in the address (`?token=`); the
 * server then hands the browser a session cookie (HttpOnly, SameSite=Strict) and each
 * session a CSRF token that every state-changing form sends back.
 */

export const COOKIE = 'lto_session';

/** 32 random bytes, URL-safe: what a person copies from the terminal. */
export const newToken = (): string => crypto.randomBytes(32).toString('base64url');

/** Equal or not, in time that does not depend on where they differ (hashes: equal lengths). */
export const sameSecret = (given: string, expected: string): boolean =>
  crypto.timingSafeEqual(crypto.createHash('sha256').update(given).digest(), crypto.createHash('sha256').update(expected).digest());

export interface Session {
  readonly id: string;
  readonly csrf: string;
  /**
   * Encrypted tapes unlocked in this session (by their passphrase, typed in the page): the
   * opened names, held in memory until the session ends. The passphrase is not kept.
   */
  readonly unlocked: Map<string, Names>;
}

/** At most this many sessions (a browser each): the oldest goes first, and opens the address again. */
const MAX_SESSIONS = 100;

/** Sessions live in memory: a restart asks for the token again. */
export class Sessions {
  private readonly byId = new Map<string, Session>();

  open(): Session {
    const session: Session = { id: newToken(), csrf: newToken(), unlocked: new Map() };
    this.byId.set(session.id, session);
    for (const oldest of this.byId.keys()) {
      if (this.byId.size <= MAX_SESSIONS) break;
      this.byId.delete(oldest);
    }
    return session;
  }

  /** The session a cookie names, compared in constant time against each one held (few: one per browser). */
  find(cookieValue: string | undefined): Session | undefined {
    if (cookieValue === undefined || cookieValue === '') return undefined;
    for (const session of this.byId.values()) if (sameSecret(cookieValue, session.id)) return session;
    return undefined;
  }
}

/** One cookie's value from a Cookie header. */
export const cookieValue = (header: string | undefined, name: string): string | undefined => {
  if (header === undefined) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
};

export const sessionCookie = (session: Session): string => `${COOKIE}=${session.id}; Path=/; HttpOnly; SameSite=Strict`;

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);

/** Only this machine can reach an address on loopback (127.0.0.0/8, ::1). */
export const isLoopback = (host: string): boolean => LOOPBACK.has(host) || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);

/** A token read from a file must be long enough not to be guessed. */
export const MIN_TOKEN_LENGTH = 16;
