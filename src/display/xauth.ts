// Reads the MIT-MAGIC-COOKIE-1 for one display from an Xauthority file (the format libXau writes), so a
// session's X connection uses its own xauth file rather than whatever $XAUTHORITY the server has.
import { closeSync, readSync } from 'node:fs';
import { openRegularFile } from '../host/root-files.js';

/** Far more than any authority file holds; a session owner may write to theirs, so root reads no more. */
const MAX_AUTHORITY_BYTES = 64 * 1024;

function readBounded(path: string): Buffer {
  const fd = openRegularFile(path);
  try {
    const buf = Buffer.alloc(MAX_AUTHORITY_BYTES);
    let n = 0;
    for (let r = 1; r > 0 && n < buf.length; n += r) r = readSync(fd, buf, n, buf.length - n, n);
    return buf.subarray(0, n);
  } finally {
    closeSync(fd);
  }
}

export interface XauthEntry {
  family: number;
  address: Buffer;
  display: string;
  name: string;
  data: Buffer;
}

const FAMILY_LOCAL = 256;
const FAMILY_WILD = 65535;

/** Parses every complete entry of an Xauthority file (big-endian length-prefixed fields). */
export function parseXauthority(buf: Buffer): XauthEntry[] {
  const entries: XauthEntry[] = [];
  let off = 0;
  const field = (): Buffer | undefined => {
    if (off + 2 > buf.length) return undefined;
    const len = buf.readUInt16BE(off);
    off += 2;
    if (off + len > buf.length) return undefined;
    const v = buf.subarray(off, off + len);
    off += len;
    return v;
  };
  while (off + 2 <= buf.length) {
    const family = buf.readUInt16BE(off);
    off += 2;
    const address = field();
    const display = field();
    const name = field();
    const data = field();
    if (!address || !display || !name || !data) break;
    entries.push({
      family,
      address,
      display: display.toString('latin1'),
      name: name.toString('latin1'),
      data: Buffer.from(data),
    });
  }
  return entries;
}

/**
 * The cookie for display number `displayNum` (a local connection): an entry for that display whose
 * family is Local or Wild, preferring an exact display match over an entry with an empty display.
 */
export function readDisplayCookie(
  authFile: string,
  displayNum: number,
): { name: string; data: Buffer } | undefined {
  const entries = parseXauthority(readBounded(authFile)).filter(
    (e) => e.name === 'MIT-MAGIC-COOKIE-1' && (e.family === FAMILY_LOCAL || e.family === FAMILY_WILD),
  );
  const exact = entries.find((e) => e.display === String(displayNum));
  const any = entries.find((e) => e.display === '');
  const hit = exact ?? any;
  return hit ? { name: hit.name, data: hit.data } : undefined;
}
