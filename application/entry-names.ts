import { NameUnreadable, lockedPath, type NameSealer } from '../infrastructure/crypto/name-sealer';

/**
 * How a use case writes names into events and the catalog, and reads them back: as
 * they are on a plain tape; sealed (see NameSealer) on an encrypted one. Paths keep
 * their `/` structure either way, so the catalog's tree and its queries are the same.
 */
export interface Names {
  readonly sealed: boolean;
  /** An absolute path as the catalog holds it. */
  path(plain: string): string;
  /** A catalogued path as a person reads it (on a locked tape: locked markers). */
  open(stored: string): string;
  /** A catalogued path opened, or undefined when it does not decrypt (never a locked marker). */
  tryOpen(stored: string): string | undefined;
  /** Free text that belongs to a stored path (a symlink target, a warning's reason). */
  text(storedPath: string, plain: string): string;
  openText(storedPath: string, stored: string): string;
}

export const PLAIN_NAMES: Names = {
  sealed: false,
  path: (plain) => plain,
  open: (stored) => stored,
  tryOpen: (stored) => stored,
  text: (_path, plain) => plain,
  openText: (_path, stored) => stored,
};

/** Names of an unlocked encrypted tape. A name that does not decrypt shows locked. */
export const sealedNames = (sealer: NameSealer): Names => ({
  sealed: true,
  path: (plain) => sealer.sealPath(plain),
  open: (stored) => readable(() => sealer.openPath(stored), () => lockedPath(stored)),
  tryOpen: (stored) => readable(() => sealer.openPath(stored), () => undefined),
  text: (path, plain) => sealer.sealText(path, plain),
  openText: (path, stored) => readable(() => sealer.openText(path, stored), () => '[locked]'),
});

/** Names of an encrypted tape without its key: nothing opens. */
export const LOCKED_NAMES: Names = {
  sealed: true,
  path: () => {
    throw new Error('a locked tape cannot take new names');
  },
  open: (stored) => lockedPath(stored),
  tryOpen: () => undefined,
  text: () => {
    throw new Error('a locked tape cannot take new names');
  },
  openText: () => '[locked]',
};

const readable = <A>(open: () => string, locked: () => A): string | A => {
  try {
    return open();
  } catch (error) {
    if (error instanceof NameUnreadable) return locked();
    throw error;
  }
};
