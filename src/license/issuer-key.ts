// License issuer keys as files: the public half (`NAME.pub`, one line an administrator can copy into
// /etc/dcv/license-issuers/) and the private half (`NAME.key`, PKCS#8 PEM so openssl can inspect it).
import { DcvError } from '../errors.js';
import { decodeBase64, encodeBase64 } from './base64.js';

export interface IssuerPublicKey {
  readonly name: string;
  /** 16 hex digits naming the key inside licenses (see keyIdOf). */
  readonly keyId: string;
  readonly publicKey: Uint8Array;
}

export interface IssuerPrivateKey extends IssuerPublicKey {
  readonly privateKeyPkcs8: Uint8Array;
}

export const ISSUER_NAME_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const PUB_TYPE = 'ed25519';

// The fixed DER prefix of an Ed25519 PKCS#8 key (RFC 8410): version 0, OID 1.3.101.112, 32-byte seed.
const PKCS8_ED25519_PREFIX = [0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20];

/**
 * The key id is the first 8 bytes of the public key in hex. It only tells the verifier which trusted key
 * to try and the administrator which issuer signed; trust comes from the signature, not from the id.
 */
export function keyIdOf(publicKey: Uint8Array): string {
  return [...publicKey.slice(0, 8)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

export function issuerPublicKey(name: string, publicKey: Uint8Array): IssuerPublicKey {
  if (!ISSUER_NAME_RE.test(name)) {
    throw new DcvError('ISSUER_KEY_INVALID', `'${name}' is not an issuer name: use 1-64 letters, digits, '.', '_' or '-'.`);
  }
  if (publicKey.length !== 32) throw new DcvError('ISSUER_KEY_INVALID', 'An Ed25519 public key is 32 bytes.');
  return Object.freeze({ name, keyId: keyIdOf(publicKey), publicKey });
}

export function formatPublicKeyFile(key: IssuerPublicKey): string {
  return (
    `# opendcv license issuer public key '${key.name}' (key id ${key.keyId}).\n` +
    `# A server trusts licenses signed by this issuer when this file is in /etc/dcv/license-issuers/.\n` +
    `${PUB_TYPE} ${encodeBase64(key.publicKey)} ${key.name}\n`
  );
}

/** `where` names the file in error messages. Comments (#) and blank lines are ignored; one key per file. */
export function parsePublicKeyFile(text: string, where: string): IssuerPublicKey {
  const lines = text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));
  const bad = (why: string): DcvError =>
    new DcvError('ISSUER_KEY_INVALID', `${where}: ${why}; expected one line 'ed25519 BASE64KEY NAME'.`);
  if (lines.length !== 1) throw bad(lines.length === 0 ? 'no key line' : 'more than one key line');
  const [type, b64, name, ...rest] = lines[0]!.split(/\s+/);
  if (type !== PUB_TYPE || b64 === undefined || name === undefined || rest.length > 0) throw bad('malformed key line');
  const raw = decodeBase64(b64);
  if (raw === null || raw.length !== 32) throw bad('the key is not a 32-byte Ed25519 public key in base64');
  if (!ISSUER_NAME_RE.test(name)) throw bad(`'${name}' is not a valid issuer name`);
  return issuerPublicKey(name, raw);
}

export function formatPrivateKeyFile(key: IssuerPrivateKey): string {
  const b64 = encodeBase64(key.privateKeyPkcs8);
  const body = b64.match(/.{1,64}/g)!.join('\n');
  return (
    `# opendcv license issuer PRIVATE key '${key.name}' (key id ${key.keyId}).\n` +
    `# It signs licenses: keep it secret, offline and off every server. Servers need only ${key.name}.pub.\n` +
    `-----BEGIN PRIVATE KEY-----\n${body}\n-----END PRIVATE KEY-----\n`
  );
}

/** Returns the PKCS#8 bytes of an Ed25519 private key PEM; anything else (RSA, garbled) is refused. */
export function parsePrivateKeyFile(text: string, where: string): Uint8Array {
  const m = /-----BEGIN PRIVATE KEY-----\s*([A-Za-z0-9+/=\s]+?)\s*-----END PRIVATE KEY-----/.exec(text);
  const der = m === null ? null : decodeBase64(m[1]!.replace(/\s+/g, ''));
  const isEd25519 =
    der !== null && der.length === 48 && PKCS8_ED25519_PREFIX.every((b, i) => der[i] === b);
  if (!isEd25519) {
    throw new DcvError(
      'ISSUER_KEY_INVALID',
      `${where}: not an Ed25519 private key in PKCS#8 PEM form; create one with 'dcv license keygen'.`,
    );
  }
  return der;
}
