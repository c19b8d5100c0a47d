// Whether a license was signed by an issuer this server trusts. Done before any field is believed: a file
// that fails here is refused whatever it claims.
import { DcvError } from '../errors.js';
import type { Ed25519 } from './ed25519.js';
import type { IssuerPublicKey } from './issuer-key.js';
import { parseLicense, type License } from './license-file.js';

/** Throws LICENSE_SIGNATURE unless a trusted key with the license's key id verifies its signature. */
export async function verifyLicenseSignature(
  license: License,
  trusted: readonly IssuerPublicKey[],
  crypto: Ed25519,
): Promise<void> {
  const candidates = trusted.filter((k) => k.keyId === license.keyId);
  if (candidates.length === 0) {
    throw new DcvError(
      'LICENSE_SIGNATURE',
      `the license is signed by issuer '${license.issuer}' (key id ${license.keyId}), which this server does not trust; ` +
        `put that issuer's ${license.issuer}.pub in /etc/dcv/license-issuers/ or request a license from a trusted issuer.`,
    );
  }
  const message = new TextEncoder().encode(license.signedText);
  for (const key of candidates) {
    if (await crypto.verify(key.publicKey, message, license.signature)) return;
  }
  throw new DcvError(
    'LICENSE_SIGNATURE',
    `the license signature does not match its fields: the file was altered after it was issued or is corrupt; ` +
      `restore the original file or request a new copy from issuer '${license.issuer}'.`,
  );
}

/** Parse then verify: the one call to turn file text into a License whose fields may be believed. */
export async function readLicense(
  text: string,
  trusted: readonly IssuerPublicKey[],
  crypto: Ed25519,
): Promise<License> {
  const license = parseLicense(text);
  await verifyLicenseSignature(license, trusted, crypto);
  return license;
}
