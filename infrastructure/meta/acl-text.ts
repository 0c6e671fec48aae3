import { groupName, userName } from './owners';

/**
 * POSIX ACLs as GNU tar writes them in pax (`SCHILY.acl.access`, `SCHILY.acl.default`):
 * the long text form of acl_to_text(3), one entry a line, names where the system has
 * them. lto itself restores ACLs from their `system.posix_acl_*` attributes; this text
 * is for `tar --acls -x` of a segment.
 */
const TAGS: Readonly<Record<number, string>> = { 0x01: 'user', 0x02: 'user', 0x04: 'group', 0x08: 'group', 0x10: 'mask', 0x20: 'other' };
const NAMED_USER = 0x02;
const NAMED_GROUP = 0x08;
const ENTRY_BYTES = 8;
const VERSION = 2;

const perms = (p: number): string => `${p & 4 ? 'r' : '-'}${p & 2 ? 'w' : '-'}${p & 1 ? 'x' : '-'}`;

/** The text of an ACL attribute value (Linux's binary form, version 2), or undefined when it is not one. */
export const aclText = (value: Buffer): string | undefined => {
  if (value.length < 4 || (value.length - 4) % ENTRY_BYTES !== 0 || value.readUInt32LE(0) !== VERSION) return undefined;
  const lines: string[] = [];
  for (let at = 4; at < value.length; at += ENTRY_BYTES) {
    const tag = value.readUInt16LE(at);
    const perm = value.readUInt16LE(at + 2);
    const id = value.readUInt32LE(at + 4);
    const kind = TAGS[tag];
    if (kind === undefined) return undefined;
    const qualifier = tag === NAMED_USER ? (userName(id) ?? String(id)) : tag === NAMED_GROUP ? (groupName(id) ?? String(id)) : '';
    lines.push(`${kind}:${qualifier}:${perms(perm)}`);
  }
  return lines.map((line) => `${line}\n`).join('');
};

/** GNU tar's ACL records for a path's attributes: `SCHILY.acl.access` / `.default` beside the raw attributes. */
export const aclRecords = (xattrs: readonly (readonly [string, Buffer])[]): (readonly [string, string])[] => {
  const out: (readonly [string, string])[] = [];
  for (const [name, key] of [['system.posix_acl_access', 'SCHILY.acl.access'], ['system.posix_acl_default', 'SCHILY.acl.default']] as const) {
    const value = xattrs.find(([n]) => n === name)?.[1];
    const text = value === undefined ? undefined : aclText(value);
    if (text !== undefined) out.push([key, text]);
  }
  return out;
};
