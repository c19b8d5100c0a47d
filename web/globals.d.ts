// Build-time constants that scripts/build-web.mjs substitutes (esbuild `define`).

/** The opendcv release this client belongs to (package.json "version"), sent in ClientHello. */
declare const __OPENDCV_VERSION__: string;
