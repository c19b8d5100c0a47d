// Decides whether this host may serve sessions: the configured license files (first usable one wins),
// or, with none configured, DCV's 30-day evaluation from the first start. The server asks at start and on
// each new session and connection; `dcv license show|check` ask the same question without recording.
import { access, mkdir, readFile, readdir, rename, writeFile } from 'node:fs/promises';
import { hostname as osHostname } from 'node:os';
import { join } from 'node:path';
import { DcvError, type ErrorCode } from '../errors.js';
import { resolveHostPath, type HostPaths } from '../host-paths.js';
import { BUILTIN_ISSUER_KEYS } from '../license/builtin-issuers.js';
import { addDays, daysUntil, formatCalendarDate } from '../license/calendar-date.js';
import { webCryptoEd25519, type Ed25519 } from '../license/ed25519.js';
import { parsePublicKeyFile, type IssuerPublicKey } from '../license/issuer-key.js';
import type { License } from '../license/license-file.js';
import { checkLicense, describeAllowance, describeExpiry, type LicenseVerdict } from '../license/license-rules.js';
import { readLicense } from '../license/license-verify.js';
import { toVersion } from '../version/version.js';

export const EVALUATION_DAYS = 30;

export interface LicenseStatus {
  readonly usable: boolean;
  readonly mode: 'licensed' | 'evaluation' | 'refused';
  /** Concurrent sessions allowed; null for no limit (evaluation, or an `unlimited` license). */
  readonly maxSessions: number | null;
  /** One paragraph for the log, `dcv license show` and a refused viewer: what holds, or why not and what to request. */
  readonly reason: string;
  /** When the license or evaluation stops serving; null when permanent or refused. */
  readonly expires: Date | null;
  /** Why it is refused, for a DcvError; null when usable. */
  readonly code: ErrorCode | null;
  /** The license in force (licensed mode only). */
  readonly license: License | null;
  /** Every configured file and what became of it, in the order tried. */
  readonly files: readonly LicenseFileReport[];
  /** Problems worth telling an administrator that did not decide the outcome (e.g. an unreadable issuer key). */
  readonly warnings: readonly string[];
}

export interface LicenseFileReport {
  /** As written in dcv.conf (or the default file). */
  readonly spec: string;
  /** Where it was read from (under DCV_ROOT when one is set). */
  readonly path: string;
  /** Present when the file parsed and its signature verified. */
  readonly license: License | null;
  readonly verdict: LicenseVerdict;
}

export interface LicenseGateOptions {
  /** This host's name for host-bound licenses; defaults to os.hostname(). */
  readonly hostname?: string;
  /** Write evaluation.json when absent (the server does); `dcv` commands only look. Default true. */
  readonly recordEvaluation?: boolean;
  readonly crypto?: Ed25519;
  /** Issuer keys to trust; defaults to the built-in keys plus /etc/dcv/license-issuers/*.pub. */
  readonly trusted?: readonly IssuerPublicKey[];
  /** The setting holds real paths (e.g. `dcv license check --file`), not dcv.conf host paths to map under DCV_ROOT. */
  readonly literalPaths?: boolean;
}

/** The first start of an unlicensed server, as recorded in /var/lib/dcv/evaluation.json. */
export interface EvaluationRecord {
  readonly firstStart: string;
}

export function evaluationFile(paths: HostPaths): string {
  return join(paths.stateDir, 'evaluation.json');
}

export function issuersDir(paths: HostPaths): string {
  return join(paths.etcDir, 'license-issuers');
}

/** Used when `license-file` is empty, as DCV looks for a license at its default path before falling back to the demo. */
export function defaultLicenseFile(paths: HostPaths): string {
  return join(paths.etcDir, 'license.lic');
}

/** DCV separates license-file entries with ':' on Linux; PORT@HOST entries name RLM servers. */
export function licenseFileSpecs(setting: string): string[] {
  return setting
    .split(':')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

export async function loadTrustedIssuers(
  paths: HostPaths,
): Promise<{ keys: IssuerPublicKey[]; warnings: string[] }> {
  const keys = [...BUILTIN_ISSUER_KEYS];
  const warnings: string[] = [];
  let names: string[] = [];
  try {
    names = (await readdir(issuersDir(paths))).filter((n) => n.endsWith('.pub')).sort();
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') warnings.push(`cannot list ${issuersDir(paths)}: ${(e as Error).message}`);
  }
  for (const name of names) {
    const file = join(issuersDir(paths), name);
    try {
      keys.push(parsePublicKeyFile(await readFile(file, 'utf8'), file));
    } catch (e) {
      // One bad key file must not stop licenses from other issuers working; say so and go on.
      warnings.push(e instanceof DcvError ? e.message : `${file}: ${(e as Error).message}`);
    }
  }
  return { keys, warnings };
}

/** Reads, verifies and checks one license file; never throws for what is wrong with the file. */
export async function inspectLicenseFile(
  paths: HostPaths,
  spec: string,
  trusted: readonly IssuerPublicKey[],
  ctx: { serverVersion: string; now: Date; hostname: string },
  crypto: Ed25519,
  literalPath = false,
): Promise<LicenseFileReport> {
  const refused = (path: string, code: ErrorCode, reason: string): LicenseFileReport => ({
    spec,
    path,
    license: null,
    verdict: { ok: false, code, reason: `License file ${path}: ${reason}` },
  });
  if (/^\d*@[^/]+$/.test(spec)) {
    return refused(spec, 'LICENSE_INVALID', 'license servers (PORT@HOST) are not supported by opendcv; name a license file instead.');
  }
  const path = literalPath ? spec : resolveHostPath(paths, spec);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      return refused(path, 'LICENSE_NOT_FOUND', 'does not exist; put the license there or fix [license] license-file in dcv.conf.');
    }
    return refused(path, 'LICENSE_INVALID', `cannot be read (${code ?? (e as Error).message}).`);
  }
  let license: License;
  try {
    license = await readLicense(text, trusted, crypto);
  } catch (e) {
    if (e instanceof DcvError) return refused(path, e.code, e.message);
    throw e;
  }
  const verdict = checkLicense(license, ctx);
  return {
    spec,
    path,
    license,
    verdict: verdict.ok ? verdict : { ...verdict, reason: `License file ${path}: ${verdict.reason}` },
  };
}

/**
 * The one licensing question: may this server run sessions now? A license too old, expired, for another
 * host or failing its signature is refused (no fallback to evaluation: a configured license is meant).
 */
export async function evaluateLicense(
  paths: HostPaths,
  licenseFileSetting: string,
  serverVersion: string,
  now: Date,
  options: LicenseGateOptions = {},
): Promise<LicenseStatus> {
  const server = toVersion(serverVersion);
  const crypto = options.crypto ?? webCryptoEd25519();
  const ctx = { serverVersion: server.text, now, hostname: options.hostname ?? osHostname() };
  const issuers = options.trusted === undefined ? await loadTrustedIssuers(paths) : { keys: [...options.trusted], warnings: [] };

  let specs = licenseFileSpecs(licenseFileSetting);
  if (specs.length === 0) {
    const fallback = defaultLicenseFile(paths);
    if (!(await exists(fallback))) return evaluation(paths, server.year, now, options.recordEvaluation ?? true, issuers.warnings);
    specs = [fallback];
  }

  const files: LicenseFileReport[] = [];
  for (const spec of specs) {
    const report = await inspectLicenseFile(paths, spec, issuers.keys, ctx, crypto, options.literalPaths ?? false);
    files.push(report);
    if (report.verdict.ok && report.license !== null) {
      const lic = report.license;
      return {
        usable: true,
        mode: 'licensed',
        maxSessions: lic.maxSessions,
        reason:
          `Licensed to ${lic.licensee} by ${report.path} (issuer ${lic.issuer}): ` +
          `${describeAllowance(lic)}; ${describeExpiry(lic, now)}.`,
        expires: lic.expiresAt,
        code: null,
        license: lic,
        files,
        warnings: issuers.warnings,
      };
    }
  }
  // A file that was found says more than one that was not (a stale entry in a failover list), so it leads.
  const refusals = files.flatMap((f) => (f.verdict.ok ? [] : [f.verdict]));
  const lead = refusals.find((v) => v.code !== 'LICENSE_NOT_FOUND') ?? refusals[0]!;
  const ordered = [lead, ...refusals.filter((v) => v !== lead)];
  return {
    usable: false,
    mode: 'refused',
    maxSessions: 0,
    reason: `No usable license, so new sessions and connections are refused. ${ordered.map((v) => v.reason).join(' ')}`,
    expires: null,
    code: lead.code,
    license: null,
    files,
    warnings: issuers.warnings,
  };
}

/** Reads the evaluation record; null when there is none yet. A damaged record is an error, not a fresh start. */
export async function readEvaluationRecord(paths: HostPaths): Promise<Date | null> {
  let text: string;
  try {
    text = await readFile(evaluationFile(paths), 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
  const record = safeJson(text) as Partial<EvaluationRecord> | undefined;
  const first = typeof record?.firstStart === 'string' ? new Date(record.firstStart) : null;
  if (first === null || Number.isNaN(first.getTime())) {
    throw new DcvError(
      'LICENSE_INVALID',
      `The evaluation record ${evaluationFile(paths)} is damaged; install a license with [license] license-file in dcv.conf.`,
    );
  }
  return first;
}

export async function writeEvaluationRecord(paths: HostPaths, firstStart: Date): Promise<void> {
  const file = evaluationFile(paths);
  await mkdir(paths.stateDir, { recursive: true });
  const record: EvaluationRecord = { firstStart: firstStart.toISOString() };
  // Write-then-rename so a crash never leaves a half-written record (which would read as damaged).
  await writeFile(`${file}.tmp`, `${JSON.stringify(record, null, 2)}\n`, { mode: 0o644 });
  await rename(`${file}.tmp`, file);
}

async function evaluation(
  paths: HostPaths,
  serverYear: number,
  now: Date,
  record: boolean,
  warnings: string[],
): Promise<LicenseStatus> {
  let first: Date | null;
  try {
    first = await readEvaluationRecord(paths);
  } catch (e) {
    if (!(e instanceof DcvError)) throw e;
    return { ...refusedStatus(e.code, e.message), warnings };
  }
  const recorded = first !== null || record;
  if (first === null) {
    first = now;
    if (record) await writeEvaluationRecord(paths, now);
  }
  const ends = addDays(first, EVALUATION_DAYS);
  const request = `install a license of version ${serverYear} or later with [license] license-file in dcv.conf`;
  if (now >= ends) {
    return {
      ...refusedStatus(
        'LICENSE_EVALUATION_OVER',
        `The ${EVALUATION_DAYS}-day evaluation that began ${formatCalendarDate(first)} ended ${formatCalendarDate(ends)} and no ` +
          `license is configured, so new sessions and connections are refused; ${request}.`,
      ),
      warnings,
    };
  }
  const days = daysUntil(ends, now);
  const started = recorded ? `began ${formatCalendarDate(first)}` : 'begins at the first start of dcvserver';
  return {
    usable: true,
    mode: 'evaluation',
    maxSessions: null,
    reason:
      `No license configured: ${EVALUATION_DAYS}-day evaluation (${started}), ${days} day${days === 1 ? '' : 's'} left, ` +
      `ending ${readableInstant(ends)}; ${request}.`,
    expires: ends,
    code: null,
    license: null,
    files: [],
    warnings,
  };
}

// Minutes are precision enough for an administrator; the ISO form with milliseconds is not for reading.
function readableInstant(d: Date): string {
  return `${d.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

function refusedStatus(code: ErrorCode, reason: string): LicenseStatus {
  return { usable: false, mode: 'refused', maxSessions: 0, reason, expires: null, code, license: null, files: [], warnings: [] };
}

/** A DcvError for a refused status, for the server to throw when it turns a session or connection away. */
export function licenseRefusal(status: LicenseStatus): DcvError | null {
  return status.usable ? null : new DcvError(status.code ?? 'LICENSE_INVALID', status.reason);
}

/** Whether one more session fits: the refusal above, or LICENSE_SESSION_LIMIT when `running` fill max-sessions. */
export function admitSession(status: LicenseStatus, running: number): DcvError | null {
  const refusal = licenseRefusal(status);
  if (refusal !== null) return refusal;
  if (status.maxSessions !== null && running >= status.maxSessions) {
    return new DcvError(
      'LICENSE_SESSION_LIMIT',
      `The license allows ${status.maxSessions} concurrent session${status.maxSessions === 1 ? '' : 's'} and ${running} ` +
        `are running; close one (dcv close-session) or request a license with a larger max-sessions.`,
    );
  }
  return null;
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
