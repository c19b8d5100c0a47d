// The version layer's public face: calendar versions, the seed's compatibility rules, this build's version.
export * from './version.js';
export * from './compatibility.js';
export { SERVER_VERSION } from './current.js';
