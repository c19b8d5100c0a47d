// The Ed25519 operations licensing needs, behind a small interface so the pure layer stays pure: the
// default implementation uses WebCrypto (global in Node 20 and browsers), reached through the minimal
// declaration below instead of Node's or the DOM's types; tests or other hosts may inject their own.
import { decodeBase64Url } from './base64.js';

export interface Ed25519 {
  /** False (never a throw) for a signature that does not verify. */
  verify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): Promise<boolean>;
  sign(privateKeyPkcs8: Uint8Array, message: Uint8Array): Promise<Uint8Array>;
  generate(): Promise<{ publicKey: Uint8Array; privateKeyPkcs8: Uint8Array }>;
  /** The 32-byte public key belonging to a PKCS#8 private key. */
  publicKeyOf(privateKeyPkcs8: Uint8Array): Promise<Uint8Array>;
}

// Only what is used here, so this file needs no lib.dom or @types/node. Keys stay opaque.
type KeyHandle = { readonly __opaqueCryptoKey: unique symbol };
interface SubtleSubset {
  generateKey(
    algorithm: { name: string },
    extractable: boolean,
    usages: string[],
  ): Promise<{ publicKey: KeyHandle; privateKey: KeyHandle }>;
  importKey(
    format: 'raw' | 'pkcs8',
    data: Uint8Array,
    algorithm: { name: string },
    extractable: boolean,
    usages: string[],
  ): Promise<KeyHandle>;
  exportKey(format: 'raw' | 'pkcs8' | 'jwk', key: KeyHandle): Promise<ArrayBuffer | { x?: string }>;
  sign(algorithm: { name: string }, key: KeyHandle, data: Uint8Array): Promise<ArrayBuffer>;
  verify(algorithm: { name: string }, key: KeyHandle, signature: Uint8Array, data: Uint8Array): Promise<boolean>;
}

const ALG = { name: 'Ed25519' } as const;

function subtle(): SubtleSubset {
  const c = (globalThis as unknown as { crypto?: { subtle?: SubtleSubset } }).crypto;
  if (c?.subtle === undefined) throw new Error('WebCrypto (globalThis.crypto.subtle) is not available in this runtime');
  return c.subtle;
}

function bytes(value: ArrayBuffer | { x?: string }): Uint8Array {
  if (value instanceof ArrayBuffer) return new Uint8Array(value);
  throw new Error('WebCrypto returned a key in an unexpected form');
}

export function webCryptoEd25519(): Ed25519 {
  return {
    async verify(publicKey, message, signature) {
      if (publicKey.length !== 32 || signature.length !== 64) return false;
      try {
        const key = await subtle().importKey('raw', publicKey, ALG, false, ['verify']);
        return await subtle().verify(ALG, key, signature, message);
      } catch {
        // A public key that is not a curve point cannot have signed anything.
        return false;
      }
    },
    async sign(privateKeyPkcs8, message) {
      const key = await subtle().importKey('pkcs8', privateKeyPkcs8, ALG, false, ['sign']);
      return new Uint8Array(await subtle().sign(ALG, key, message));
    },
    async generate() {
      const pair = await subtle().generateKey(ALG, true, ['sign', 'verify']);
      return {
        publicKey: bytes(await subtle().exportKey('raw', pair.publicKey)),
        privateKeyPkcs8: bytes(await subtle().exportKey('pkcs8', pair.privateKey)),
      };
    },
    async publicKeyOf(privateKeyPkcs8) {
      // PKCS#8 for Ed25519 holds only the seed; the JWK export carries the derived public key as `x`.
      const key = await subtle().importKey('pkcs8', privateKeyPkcs8, ALG, true, ['sign']);
      const jwk = await subtle().exportKey('jwk', key);
      const x = jwk instanceof ArrayBuffer ? undefined : jwk.x;
      const pub = x === undefined ? null : decodeBase64Url(x);
      if (pub === null || pub.length !== 32) throw new Error('WebCrypto did not return an Ed25519 public key');
      return pub;
    },
  };
}
