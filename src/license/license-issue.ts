// The issuer's side: make an Ed25519 key pair and sign licenses with it. Pure, like the rest of the
// layer; the CLI reads and writes the files.
import type { Ed25519 } from './ed25519.js';
import { issuerPublicKey, type IssuerPrivateKey } from './issuer-key.js';
import { canonicalText, formatLicense, licenseFieldValues, parseLicense, type LicenseTerms } from './license-file.js';

export async function generateIssuerKey(name: string, crypto: Ed25519): Promise<IssuerPrivateKey> {
  const pair = await crypto.generate();
  return Object.freeze({ ...issuerPublicKey(name, pair.publicKey), privateKeyPkcs8: pair.privateKeyPkcs8 });
}

/** An issuer key from its PKCS#8 bytes; the public half is derived, so a .key file alone is enough to issue. */
export async function issuerKeyFromPkcs8(name: string, pkcs8: Uint8Array, crypto: Ed25519): Promise<IssuerPrivateKey> {
  const publicKey = await crypto.publicKeyOf(pkcs8);
  return Object.freeze({ ...issuerPublicKey(name, publicKey), privateKeyPkcs8: pkcs8 });
}

/** The text of a signed license file. Throws LICENSE_INVALID for terms parseLicense would refuse. */
export async function issueLicense(terms: LicenseTerms, key: IssuerPrivateKey, crypto: Ed25519): Promise<string> {
  const values = licenseFieldValues(terms, key.name, key.keyId);
  const signature = await crypto.sign(key.privateKeyPkcs8, new TextEncoder().encode(canonicalText(values)));
  const text = formatLicense(values, signature);
  // Never hand out a file this code could not read back.
  parseLicense(text);
  return text;
}
