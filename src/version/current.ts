// The version of this opendcv build: the one place it is written. The release work stamps it from
// package.json; everything else (dcv version, the handshake, the license gate) imports it from here.
export const SERVER_VERSION = '2026.0.0';
