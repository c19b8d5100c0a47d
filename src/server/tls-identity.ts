// The server's TLS certificate and key: /etc/dcv/dcv.pem and dcv.key as in DCV, generated (self-signed,
// ECDSA P-256) on first start when absent, written atomically with the key readable by root only.
import { closeSync, existsSync, fsyncSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import selfsigned from 'selfsigned';
import type { HostPaths } from '../host-paths.js';

export interface TlsIdentity {
  readonly cert: string;
  readonly key: string;
  /** True when this start generated the pair. */
  readonly generated: boolean;
}

function writeAtomically(path: string, text: string, mode: number): void {
  const tmp = `${path}.tmp-${process.pid}`;
  const fd = openSync(tmp, 'w', mode);
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
}

export async function loadTlsIdentity(paths: HostPaths): Promise<TlsIdentity> {
  if (existsSync(paths.tlsCert) && existsSync(paths.tlsKey)) {
    return { cert: readFileSync(paths.tlsCert, 'utf8'), key: readFileSync(paths.tlsKey, 'utf8'), generated: false };
  }
  const notBefore = new Date(Date.now() - 60_000);
  const notAfter = new Date(notBefore);
  notAfter.setFullYear(notAfter.getFullYear() + 5);
  const name = hostname();
  const pems = await selfsigned.generate([{ name: 'commonName', value: name }], {
    keyType: 'ec',
    curve: 'P-256',
    algorithm: 'sha256',
    notBeforeDate: notBefore,
    notAfterDate: notAfter,
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
      { name: 'extKeyUsage', serverAuth: true },
      {
        name: 'subjectAltName',
        altNames: [
          { type: 2, value: name },
          { type: 2, value: 'localhost' },
          { type: 7, ip: '127.0.0.1' },
          { type: 7, ip: '::1' },
        ],
      },
    ],
  });
  writeAtomically(paths.tlsKey, pems.private, 0o600);
  writeAtomically(paths.tlsCert, pems.cert, 0o644);
  return { cert: pems.cert, key: pems.private, generated: true };
}
