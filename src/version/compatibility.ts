// The seed's two version rules (DESIGN.md §5), each answered with a sentence an administrator or a
// viewer user can act on: which clients a server accepts, and which servers a license year serves.
import { compareVersions, parseVersion, toVersion, type Version } from './version.js';

/** Servers of this version or later accept only clients of this version or later. */
export const OLDEST_CLIENT_VERSION: Version = parseVersion('2017.0');

export interface Verdict {
  readonly ok: boolean;
  /** One line naming both versions; when `ok` is false it also says what to do. */
  readonly explanation: string;
}

/**
 * Servers 2017+ accept clients 2017+. The seed says nothing about servers before 2017 (opendcv never was
 * one), so such a pairing is accepted rather than refused on a rule that does not exist.
 */
export function clientCompatibility(server: Version | string, client: Version | string): Verdict {
  const s = toVersion(server);
  const c = toVersion(client);
  const oldest = OLDEST_CLIENT_VERSION;
  if (compareVersions(s, oldest) >= 0 && compareVersions(c, oldest) < 0) {
    return {
      ok: false,
      explanation:
        `client ${c.text} is older than ${oldest.text}, the oldest this server (${s.text}) accepts; ` +
        `update the client to ${oldest.text} or later.`,
    };
  }
  return { ok: true, explanation: `client ${c.text} is compatible with server ${s.text}.` };
}

/**
 * Licenses are backward compatible: a license of year L serves every server whose year is L or earlier,
 * so a server needs a license of at least its own year. Minor and patch releases never need a new license.
 */
export function licenseServesServer(licenseYear: number, serverVersion: Version | string): Verdict {
  const s = toVersion(serverVersion);
  if (licenseYear >= s.year) {
    return { ok: true, explanation: `a ${licenseYear} license serves server ${s.text}.` };
  }
  return {
    ok: false,
    explanation:
      `a ${licenseYear} license does not serve server ${s.text}: it needs a license of version ${s.year} ` +
      `or later; request a ${s.year} or later license from your license issuer.`,
  };
}
