// A user's operating-system groups, for `osgroup:` in permissions files. Asked of NSS through `id -Gn`
// (so LDAP/SSSD groups count) and remembered for a minute, since every list and admission may ask.
import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);
const TTL_MS = 60_000;
const SAFE_NAME = /^[A-Za-z0-9_.][A-Za-z0-9_.@\\$-]*$/;

export class OsGroups {
  private readonly cache = new Map<string, { groups: ReadonlySet<string>; at: number }>();

  private cached(user: string): ReadonlySet<string> | undefined {
    const c = this.cache.get(user);
    return c !== undefined && Date.now() - c.at < TTL_MS ? c.groups : undefined;
  }

  private remember(user: string, stdout: string): ReadonlySet<string> {
    const groups = new Set(stdout.trim().split(/\s+/).filter((g) => g !== ''));
    if (this.cache.size > 10_000) this.cache.clear();
    this.cache.set(user, { groups, at: Date.now() });
    return groups;
  }

  /** The groups of `user`; empty when the user is unknown to the system (e.g. named by a token verifier). */
  async of(user: string): Promise<ReadonlySet<string>> {
    const hit = this.cached(user);
    if (hit !== undefined) return hit;
    if (!SAFE_NAME.test(user)) return new Set();
    try {
      const { stdout } = await run('id', ['-Gn', '--', user], { timeout: 5000 });
      return this.remember(user, stdout);
    } catch {
      return this.remember(user, '');
    }
  }

  /** As `of`, for the synchronous paths (listing sessions); it blocks for one `id` run on a cache miss. */
  ofSync(user: string): ReadonlySet<string> {
    const hit = this.cached(user);
    if (hit !== undefined) return hit;
    if (!SAFE_NAME.test(user)) return new Set();
    try {
      return this.remember(user, execFileSync('id', ['-Gn', '--', user], { timeout: 5000, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }));
    } catch {
      return this.remember(user, '');
    }
  }
}
