// The license layer's public face: the file format, signature check, version/host/expiry rules, issuing.
export * from './license-file.js';
export * from './license-verify.js';
export * from './license-rules.js';
export * from './license-issue.js';
export * from './issuer-key.js';
export * from './calendar-date.js';
export { BUILTIN_ISSUER_KEYS } from './builtin-issuers.js';
export { webCryptoEd25519, type Ed25519 } from './ed25519.js';
