// Whether a verified license serves a given server on a given host at a given time, and if not, the one
// reason an administrator needs: what is wrong and exactly what license to request instead.
import type { ErrorCode } from '../errors.js';
import { licenseServesServer } from '../version/compatibility.js';
import { toVersion, type Version } from '../version/version.js';
import { daysUntil } from './calendar-date.js';
import { LICENSE_PRODUCT, type License } from './license-file.js';

export interface LicenseContext {
  readonly serverVersion: Version | string;
  readonly now: Date;
  /** This host's name, compared with the license's `host` binding. */
  readonly hostname: string;
}

export type LicenseVerdict =
  | { readonly ok: true; readonly summary: string }
  | { readonly ok: false; readonly code: ErrorCode; readonly reason: string };

/**
 * Checks in the order an administrator would fix them: wrong product, too old for the server, bound to
 * another host, expired. Each refusal names the license to request, so one new file fixes every problem.
 */
export function checkLicense(license: License, ctx: LicenseContext): LicenseVerdict {
  const server = toVersion(ctx.serverVersion);
  const need = Math.max(server.year, license.version);
  if (license.product !== LICENSE_PRODUCT) {
    return {
      ok: false,
      code: 'LICENSE_INVALID',
      reason: `the license is for product '${license.product}', not '${LICENSE_PRODUCT}'; request a '${LICENSE_PRODUCT}' license of version ${server.year} or later.`,
    };
  }
  const served = licenseServesServer(license.version, server);
  if (!served.ok) {
    return {
      ok: false,
      code: 'LICENSE_TOO_OLD',
      reason: `the license is version ${license.version} but opendcv ${server.text} needs version ${server.year} or later; request a ${server.year} or later license from issuer '${license.issuer}'.`,
    };
  }
  if (license.host !== null && !sameHost(license.host, ctx.hostname)) {
    return {
      ok: false,
      code: 'LICENSE_HOST',
      reason: `the license is bound to host '${license.host}' but this host is '${ctx.hostname}'; request a version ${need} license for host '${ctx.hostname}'.`,
    };
  }
  if (license.expiresAt !== null && ctx.now >= license.expiresAt) {
    return {
      ok: false,
      code: 'LICENSE_EXPIRED',
      reason: `the license expired at the end of ${license.expires} (UTC); request a renewed license of version ${need} or later from issuer '${license.issuer}'.`,
    };
  }
  return { ok: true, summary: `${describeAllowance(license)}; ${describeExpiry(license, ctx.now)}.` };
}

/** "version 2026 (servers up to 2026.x), up to 10 concurrent sessions, on host render01" */
export function describeAllowance(license: License): string {
  const sessions =
    license.maxSessions === null
      ? 'unlimited concurrent sessions'
      : `up to ${license.maxSessions} concurrent session${license.maxSessions === 1 ? '' : 's'}`;
  const host = license.host === null ? 'on any host' : `on host ${license.host}`;
  return `opendcv servers of version ${license.version} or earlier, ${sessions}, ${host}`;
}

export function describeExpiry(license: License, now: Date): string {
  if (license.expiresAt === null) return 'permanent';
  const days = daysUntil(license.expiresAt, now);
  if (days <= 0) return `expired at the end of ${license.expires}`;
  return `expires at the end of ${license.expires} (UTC), ${days} day${days === 1 ? '' : 's'} left`;
}

export function daysLeft(license: License, now: Date): number | null {
  return license.expiresAt === null ? null : Math.max(0, daysUntil(license.expiresAt, now));
}

// Hostnames are case-insensitive and may be written fully qualified with a trailing dot.
function sameHost(a: string, b: string): boolean {
  const norm = (h: string): string => h.toLowerCase().replace(/\.$/, '');
  return norm(a) === norm(b);
}
