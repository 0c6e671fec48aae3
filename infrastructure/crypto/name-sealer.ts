import { createCipheriv, createDecipheriv, createHmac } from 'node:crypto';

const NONCE = 12;
const TAG = 16;
/** Directories remembered by each cache; cleared when full (a depth-first walk reuses the recent ones). */
const CACHE_LIMIT = 50_000;

/** A name that does not decrypt under this key (damaged, or from another tape). */
export class NameUnreadable extends Error {
  constructor(readonly token: string) {
    super('a name does not decrypt with this key');
  }
}

/**
 * Encrypts names one path component at a time, deterministically: the nonce is an
 * HMAC of the component and of its (encrypted) parent path, and the parent path is
 * the AEAD's associated data. So one path always encrypts to the same text (the
 * catalog keeps the tree's structure, and incremental backups match paths without
 * the key), the same name in two folders encrypts differently, and a component
 * moved under another parent no longer decrypts. A sealed absolute path is `/` and
 * base64url tokens joined by `/`.
 */
export class NameSealer {
  private readonly sealedDirs = new Map<string, string>();
  private readonly openedDirs = new Map<string, string>();

  constructor(
    private readonly key: Buffer,
    private readonly nonceKey: Buffer,
  ) {}

  /** One component (or a free text such as a link target) under its context. */
  sealToken(context: string, text: string): string {
    const plain = Buffer.from(text, 'utf8');
    const nonce = createHmac('sha256', this.nonceKey).update(context).update('\0').update(plain).digest().subarray(0, NONCE);
    const cipher = createCipheriv('aes-256-gcm', this.key, nonce);
    cipher.setAAD(Buffer.from(context, 'utf8'));
    const body = Buffer.concat([cipher.update(plain), cipher.final()]);
    return Buffer.concat([nonce, body, cipher.getAuthTag()]).toString('base64url');
  }

  /** The text of a token, or NameUnreadable. */
  openToken(context: string, token: string): string {
    const bytes = Buffer.from(token, 'base64url');
    if (bytes.length < NONCE + TAG || bytes.toString('base64url') !== token) throw new NameUnreadable(token);
    const nonce = bytes.subarray(0, NONCE);
    const decipher = createDecipheriv('aes-256-gcm', this.key, nonce);
    decipher.setAAD(Buffer.from(context, 'utf8'));
    decipher.setAuthTag(bytes.subarray(bytes.length - TAG));
    let plain: Buffer;
    try {
      plain = Buffer.concat([decipher.update(bytes.subarray(NONCE, bytes.length - TAG)), decipher.final()]);
    } catch {
      throw new NameUnreadable(token);
    }
    return plain.toString('utf8');
  }

  /** `/a/b` → `/<token a>/<token b>`; `/` stays `/`. */
  sealPath(path: string): string {
    if (path === '/' || path === '') return path;
    const cut = path.lastIndexOf('/');
    const parent = cut <= 0 ? '/' : this.sealDir(path.slice(0, cut));
    const prefix = parent === '/' ? '' : parent;
    return `${prefix}/${this.sealToken(parent, path.slice(cut + 1))}`;
  }

  /** The inverse of sealPath; NameUnreadable when a component does not decrypt. */
  openPath(sealed: string): string {
    if (sealed === '/' || sealed === '') return sealed;
    const cut = sealed.lastIndexOf('/');
    const parent = cut <= 0 ? '/' : sealed.slice(0, cut);
    const openParent = parent === '/' ? '' : this.openDir(parent);
    return `${openParent}/${this.openToken(parent, sealed.slice(cut + 1))}`;
  }

  /** A symlink target or other free text that belongs to the entry at `sealedPath`. */
  sealText(sealedPath: string, text: string): string {
    return this.sealToken(`text:${sealedPath}`, text);
  }

  openText(sealedPath: string, token: string): string {
    return this.openToken(`text:${sealedPath}`, token);
  }

  private sealDir(path: string): string {
    return remembered(this.sealedDirs, path, () => this.sealPath(path));
  }

  private openDir(sealed: string): string {
    return remembered(this.openedDirs, sealed, () => this.openPath(sealed));
  }
}

const remembered = (cache: Map<string, string>, key: string, compute: () => string): string => {
  const hit = cache.get(key);
  if (hit !== undefined) return hit;
  const value = compute();
  if (cache.size >= CACHE_LIMIT) cache.clear();
  cache.set(key, value);
  return value;
};

/** How a sealed name shows while its tape is locked: a lock and the token's start. */
export const lockedName = (token: string): string => `[locked ${token.slice(0, 8)}]`;

/** A sealed path shown while locked: every component as lockedName. */
export const lockedPath = (sealed: string): string =>
  sealed
    .split('/')
    .map((part) => (part === '' ? part : lockedName(part)))
    .join('/');
