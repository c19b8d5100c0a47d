// Calendar versions as DCV numbers them (YEAR.MINOR.PATCH, e.g. 2026.0.0): parse, compare, format.
// Clients report shorter forms (`2017`, `2016.2`), so those parse too, with the missing parts as 0.
import { DcvError } from '../errors.js';

export interface Version {
  readonly year: number;
  readonly minor: number;
  readonly patch: number;
  /** As written (trimmed), so messages can echo what the user or client said: "client 2016.2". */
  readonly text: string;
}

// Four-digit years only: a two-digit or five-digit "year" is far more likely a typo than a real release.
const VERSION_RE = /^(\d{4})(?:\.(\d{1,9})(?:\.(\d{1,9}))?)?$/;

/** Parses `2026.0.0`, `2016.2` or `2017`; anything else is a VERSION_INVALID error naming the input. */
export function parseVersion(input: string): Version {
  const text = input.trim();
  const m = VERSION_RE.exec(text);
  if (m === null) {
    throw new DcvError(
      'VERSION_INVALID',
      `'${printable(text)}' is not a version; write a calendar version YEAR[.MINOR[.PATCH]], e.g. 2026.0.0.`,
    );
  }
  return Object.freeze({ year: Number(m[1]), minor: Number(m[2] ?? 0), patch: Number(m[3] ?? 0), text });
}

/** True when `input` parses; for validators that want a boolean rather than an error. */
export function isVersion(input: string): boolean {
  return VERSION_RE.test(input.trim());
}

/** The full form, always three parts: `2026.0.0`. */
export function formatVersion(v: Version): string {
  return `${v.year}.${v.minor}.${v.patch}`;
}

/** Negative, zero or positive as `a` is older than, the same as, or newer than `b` (`2017` equals `2017.0.0`). */
export function compareVersions(a: Version, b: Version): number {
  return a.year - b.year || a.minor - b.minor || a.patch - b.patch;
}

/** Accepts either form so callers holding a string need not parse first. */
export function toVersion(v: Version | string): Version {
  return typeof v === 'string' ? parseVersion(v) : v;
}

// Junk from a network peer may hold control characters; keep error messages one clean line.
function printable(s: string): string {
  const clean = s.replace(/[^\x20-\x7e]/g, '?');
  return clean.length > 40 ? `${clean.slice(0, 40)}…` : clean;
}
