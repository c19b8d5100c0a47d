// The license file format: `field: value` lines an administrator can read, `#` comments, and an Ed25519
// signature over the canonical text of the fields. Parsing checks shape only; license-verify.ts checks
// the signature and license-rules.ts whether the license serves a given server.
import { DcvError } from '../errors.js';
import { parseVersion } from '../version/version.js';
import { decodeBase64, encodeBase64 } from './base64.js';
import { endOfDay, parseCalendarDate } from './calendar-date.js';
import { ISSUER_NAME_RE } from './issuer-key.js';

export const LICENSE_FORMAT = 'opendcv-license-1';
export const LICENSE_PRODUCT = 'dcv';

/** What an issuer grants; the input to `dcv license issue`. */
export interface LicenseTerms {
  readonly licensee: string;
  readonly product: string;
  /** The license version: a year. It serves servers of that year and earlier. */
  readonly version: number;
  /** YYYY-MM-DD (UTC). */
  readonly issued: string;
  /** YYYY-MM-DD (UTC, good through that whole day) or 'permanent'. */
  readonly expires: string;
  /** Concurrent sessions allowed; null when the file says `unlimited`. */
  readonly maxSessions: number | null;
  /** Hostname the license is bound to; null for any host. */
  readonly host: string | null;
}

export interface License extends LicenseTerms {
  readonly issuer: string;
  readonly keyId: string;
  readonly signature: Uint8Array;
  /** Exactly the bytes the signature covers (see canonicalText). */
  readonly signedText: string;
  readonly issuedAt: Date;
  /** The first instant the license no longer serves; null when permanent. */
  readonly expiresAt: Date | null;
}

type FieldName =
  | 'format'
  | 'licensee'
  | 'product'
  | 'version'
  | 'issued'
  | 'expires'
  | 'max-sessions'
  | 'host'
  | 'issuer'
  | 'key-id'
  | 'signature';

// The canonical order: the signed text lists fields in this order whatever order the file uses.
const FIELDS: readonly FieldName[] = [
  'format',
  'licensee',
  'product',
  'version',
  'issued',
  'expires',
  'max-sessions',
  'host',
  'issuer',
  'key-id',
  'signature',
];
const OPTIONAL: ReadonlySet<FieldName> = new Set(['host']);

// Each returns null when the value is good, else the reason it is not.
const VALIDATE: Record<Exclude<FieldName, 'signature'>, (v: string) => string | null> = {
  format: (v) =>
    v === LICENSE_FORMAT
      ? null
      : `format '${v}' is not ${LICENSE_FORMAT}; this opendcv reads only that format (upgrade opendcv or request a ${LICENSE_FORMAT} file)`,
  licensee: (v) => (v.length <= 200 ? null : 'licensee is longer than 200 characters'),
  product: (v) => (/^[a-z][a-z0-9-]{0,31}$/.test(v) ? null : `product '${v}' is not a product name`),
  version: (v) => (/^\d{4}$/.test(v) ? null : `version '${v}' is not a year such as 2026`),
  issued: (v) => (parseCalendarDate(v) !== null ? null : `issued '${v}' is not a date YYYY-MM-DD`),
  expires: (v) =>
    v === 'permanent' || parseCalendarDate(v) !== null ? null : `expires '${v}' is not a date YYYY-MM-DD or 'permanent'`,
  'max-sessions': (v) =>
    v === 'unlimited' || (/^[1-9]\d{0,5}$/.test(v) && Number(v) <= 100_000)
      ? null
      : `max-sessions '${v}' is not a whole number from 1 to 100000 or 'unlimited'`,
  host: (v) =>
    /^[A-Za-z0-9]([A-Za-z0-9-]{0,62})(\.[A-Za-z0-9]([A-Za-z0-9-]{0,62}))*\.?$/.test(v) && v.length <= 253
      ? null
      : `host '${v}' is not a hostname`,
  issuer: (v) => (ISSUER_NAME_RE.test(v) ? null : `issuer '${v}' is not an issuer name`),
  'key-id': (v) => (/^[0-9a-f]{16}$/.test(v) ? null : `key-id '${v}' is not 16 hex digits`),
};

const invalid = (why: string): DcvError => new DcvError('LICENSE_INVALID', `${why}.`);

/** The signed text: `opendcv-license-1` framing, then each present field but the signature, in canonical order. */
export function canonicalText(values: ReadonlyMap<string, string>): string {
  let text = '';
  for (const name of FIELDS) {
    const v = values.get(name);
    if (name !== 'signature' && v !== undefined) text += `${name}: ${v}\n`;
  }
  return text;
}

/**
 * Reads a license file. Refused (LICENSE_INVALID): unknown or repeated fields (a file is issued whole and
 * cannot be extended), missing fields or signature (a truncated file), bad values and impossible dates.
 */
export function parseLicense(text: string): License {
  const values = new Map<string, string>();
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  lines.forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const at = `line ${i + 1}`;
    const colon = line.indexOf(':');
    if (colon <= 0) throw invalid(`${at} is not 'field: value'; the file is damaged — restore the copy you were issued`);
    const name = line.slice(0, colon).trim();
    const value = line.slice(colon + 1).trim();
    if (!(FIELDS as readonly string[]).includes(name)) {
      throw invalid(
        `${at}: unknown field '${printable(name)}'; a license has only the fields ${FIELDS.join(', ')} ` +
          `and cannot be extended — restore the file you were issued or request a new one`,
      );
    }
    if (values.has(name)) throw invalid(`${at}: field '${name}' appears twice; restore the file you were issued`);
    if (value === '') throw invalid(`${at}: field '${name}' is empty`);
    if (/[\u0000-\u001f\u007f]/.test(value)) throw invalid(`${at}: field '${name}' holds control characters`);
    if (name !== 'signature') {
      const why = VALIDATE[name as Exclude<FieldName, 'signature'>](value);
      if (why !== null) throw invalid(`${at}: ${why}`);
    }
    values.set(name, value);
  });

  if (values.size === 0) throw invalid('the file holds no license fields (empty or not a license file)');
  for (const name of FIELDS) {
    if (!OPTIONAL.has(name) && !values.has(name)) {
      throw invalid(
        name === 'signature'
          ? 'the file has no signature line, so it is incomplete (truncated?); restore the full file you were issued'
          : `field '${name}' is missing, so the file is incomplete (truncated?); restore the full file you were issued`,
      );
    }
  }
  const signature = decodeBase64(values.get('signature')!);
  if (signature === null || signature.length !== 64) {
    throw invalid(
      'the signature is not 64 bytes of base64, so the file is damaged or truncated; restore the full file you were issued',
    );
  }

  const issuedAt = parseCalendarDate(values.get('issued')!)!;
  const expires = values.get('expires')!;
  const expiryDay = expires === 'permanent' ? null : parseCalendarDate(expires)!;
  if (expiryDay !== null && expiryDay < issuedAt) {
    throw invalid(`expires ${expires} is before issued ${values.get('issued')!}; the dates are impossible`);
  }
  const maxSessions = values.get('max-sessions')!;
  return Object.freeze({
    licensee: values.get('licensee')!,
    product: values.get('product')!,
    version: parseVersion(values.get('version')!).year,
    issued: values.get('issued')!,
    expires,
    maxSessions: maxSessions === 'unlimited' ? null : Number(maxSessions),
    host: values.get('host') ?? null,
    issuer: values.get('issuer')!,
    keyId: values.get('key-id')!,
    signature,
    signedText: canonicalText(values),
    issuedAt,
    expiresAt: expiryDay === null ? null : endOfDay(expiryDay),
  });
}

/**
 * The fields of a license about to be signed, as parseLicense would read them back, after the same checks.
 * Returns the map so the issuer signs canonicalText(map) and then formats the file with formatLicense.
 */
export function licenseFieldValues(terms: LicenseTerms, issuer: string, keyId: string): Map<string, string> {
  const values = new Map<string, string>([
    ['format', LICENSE_FORMAT],
    ['licensee', terms.licensee.trim()],
    ['product', terms.product],
    ['version', String(terms.version)],
    ['issued', terms.issued],
    ['expires', terms.expires],
    ['max-sessions', terms.maxSessions === null ? 'unlimited' : String(terms.maxSessions)],
    ['issuer', issuer],
    ['key-id', keyId],
  ]);
  if (terms.host !== null) values.set('host', terms.host);
  for (const [name, value] of values) {
    if (value === '') throw invalid(`${name} is empty`);
    if (/[\u0000-\u001f\u007f]/.test(value)) throw invalid(`${name} holds control characters`);
    const why = VALIDATE[name as Exclude<FieldName, 'signature'>](value);
    if (why !== null) throw invalid(why);
  }
  const issuedAt = parseCalendarDate(terms.issued)!;
  const expiry = terms.expires === 'permanent' ? null : parseCalendarDate(terms.expires)!;
  if (expiry !== null && expiry < issuedAt) throw invalid(`expires ${terms.expires} is before issued ${terms.issued}`);
  return values;
}

/** The file text: a header saying how to use it, the fields in canonical order, the signature last. */
export function formatLicense(values: ReadonlyMap<string, string>, signature: Uint8Array): string {
  return (
    `# opendcv license. Anyone may read it; changing any field line breaks the signature.\n` +
    `# Install: name this file in [license] license-file in /etc/dcv/dcv.conf. Inspect: dcv license show\n` +
    canonicalText(values) +
    `signature: ${encodeBase64(signature)}\n`
  );
}

function printable(s: string): string {
  const clean = s.replace(/[^\x20-\x7e]/g, '?');
  return clean.length > 40 ? `${clean.slice(0, 40)}…` : clean;
}
