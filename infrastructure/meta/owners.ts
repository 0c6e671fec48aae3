import * as fs from 'node:fs';

/**
 * User and group names of the local system, from /etc/passwd and /etc/group (read once,
 * on first use): a backup records the names beside uid and gid, and a restore as root
 * gives a file the id its recorded name has here, as GNU tar does (`--same-owner`).
 * Accounts from NSS (LDAP, sssd) are not listed there: their files keep their numeric ids.
 */
interface Table {
  readonly nameOf: Map<number, string>;
  readonly idOf: Map<string, number>;
}

const readTable = (file: string): Table => {
  const nameOf = new Map<number, string>();
  const idOf = new Map<string, number>();
  let text = '';
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return { nameOf, idOf };
  }
  for (const line of text.split('\n')) {
    const [name, , id] = line.split(':');
    if (name === undefined || id === undefined || name === '' || !/^\d+$/.test(id)) continue;
    const n = Number(id);
    // The first line of an id or a name wins, as getpwuid/getpwnam answer.
    if (!nameOf.has(n)) nameOf.set(n, name);
    if (!idOf.has(name)) idOf.set(name, n);
  }
  return { nameOf, idOf };
};

let users: Table | undefined;
let groups: Table | undefined;
const userTable = (): Table => (users ??= readTable('/etc/passwd'));
const groupTable = (): Table => (groups ??= readTable('/etc/group'));

export const userName = (uid: number): string | undefined => userTable().nameOf.get(uid);
export const groupName = (gid: number): string | undefined => groupTable().nameOf.get(gid);

/** The owner a restored file gets: the id of its recorded name here when that name exists, else the recorded id. */
export const localOwner = (recorded: { uid: number; gid: number; uname?: string; gname?: string }): { uid: number; gid: number } => ({
  uid: (recorded.uname === undefined ? undefined : userTable().idOf.get(recorded.uname)) ?? recorded.uid,
  gid: (recorded.gname === undefined ? undefined : groupTable().idOf.get(recorded.gname)) ?? recorded.gid,
});
