// Looks up local accounts through NSS (`getent`), so LDAP/SSSD users work as well as /etc/passwd ones.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface UserAccount {
  readonly name: string;
  readonly uid: number;
  readonly gid: number;
  readonly home: string;
  readonly shell: string;
}

function parsePasswdLine(line: string): UserAccount | null {
  const f = line.trim().split(':');
  if (f.length < 7) return null;
  const uid = Number(f[2]);
  const gid = Number(f[3]);
  if (!Number.isInteger(uid) || !Number.isInteger(gid)) return null;
  return { name: f[0]!, uid, gid, home: f[5]!, shell: f[6]! };
}

async function getent(key: string): Promise<UserAccount | null> {
  try {
    const { stdout } = await run('getent', ['passwd', key]);
    return parsePasswdLine(stdout.split('\n')[0] ?? '');
  } catch {
    return null; // getent exits 2 when the key is not found
  }
}

/** The account called `name`, or null when there is none. Numeric strings are not treated as uids. */
export async function findUserByName(name: string): Promise<UserAccount | null> {
  if (!/^[A-Za-z0-9_.][A-Za-z0-9_.@\\-]*\$?$/.test(name) || /^\d+$/.test(name)) return null;
  const account = await getent(name);
  return account !== null && account.name === name ? account : null;
}

/** The account with this uid, or null (a uid with no name still needs a name in listings). */
export async function findUserByUid(uid: number): Promise<UserAccount | null> {
  return getent(String(uid));
}
