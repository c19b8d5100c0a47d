// Writes an X authority file (the binary format libXau reads) holding one MIT-MAGIC-COOKIE-1 for a
// display, both for this host's name and as a wildcard entry, so clients find it whatever they call the host.
import { hostname } from 'node:os';

const FAMILY_LOCAL = 256;
const FAMILY_WILD = 65535;

function counted(bytes: Buffer): Buffer {
  const len = Buffer.alloc(2);
  len.writeUInt16BE(bytes.length);
  return Buffer.concat([len, bytes]);
}

function entry(family: number, address: string, displayNumber: number, cookie: Buffer): Buffer {
  const fam = Buffer.alloc(2);
  fam.writeUInt16BE(family);
  return Buffer.concat([
    fam,
    counted(Buffer.from(address)),
    counted(Buffer.from(String(displayNumber))),
    counted(Buffer.from('MIT-MAGIC-COOKIE-1')),
    counted(cookie),
  ]);
}

export function xauthorityFile(displayNumber: number, cookie: Buffer): Buffer {
  return Buffer.concat([
    entry(FAMILY_LOCAL, hostname(), displayNumber, cookie),
    entry(FAMILY_WILD, '', displayNumber, cookie),
  ]);
}
