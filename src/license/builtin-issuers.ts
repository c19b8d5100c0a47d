// The issuer keys every opendcv build trusts without configuration. Only public halves live here; the
// project's private key is kept offline by its maintainers. Hosts add issuers in /etc/dcv/license-issuers/.
import { decodeBase64 } from './base64.js';
import { issuerPublicKey, type IssuerPublicKey } from './issuer-key.js';

const BUILTIN: ReadonlyArray<readonly [name: string, base64: string]> = [
  // Generated 2026 for the opendcv project; key id 840731da79d2f9be.
  ['opendcv-project', 'hAcx2nnS+b6PXFkiLIb3p3P9T1cfFzHI1xvJCyrio3g='],
];

export const BUILTIN_ISSUER_KEYS: readonly IssuerPublicKey[] = Object.freeze(
  BUILTIN.map(([name, b64]) => issuerPublicKey(name, decodeBase64(b64)!)),
);
