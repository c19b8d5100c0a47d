// The server's TLS certificate and key: /etc/dcv/dcv.pem and dcv.key as in DCV, generated (self-signed,
// ECDSA P-256) on first start when absent, written atomically with the key readable by root only.
import { existsSync, readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import selfsigned from 'selfsigned';
import type { HostPaths } from '../host-paths.js';
import { writeFileDurably } from '../host/durable-file.js';

export interface TlsIdentity {
  readonly cert: string;
  readonly key: string;
  /** True when this start generated the pair. */
  readonly generated: boolean;
}

/**
 * `files` is dcvserver's pair (HostPaths) or another service's (the broker's); `addresses` are further IP
 * addresses the generated certificate names besides loopback (the addresses the service is reached at).
 */
export async function loadTlsIdentity(
  paths: Pick<HostPaths, 'tlsCert' | 'tlsKey'>,
  addresses: readonly string[] = [],
): Promise<TlsIdentity> {
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
          ...addresses.filter((a) => a !== '127.0.0.1' && a !== '::1').map((ip) => ({ type: 7 as const, ip })),
        ],
      },
    ],
  });
  writeFileDurably(paths.tlsKey, pems.private, 0o600);
  writeFileDurably(paths.tlsCert, pems.cert, 0o644);
  return { cert: pems.cert, key: pems.private, generated: true };
}
