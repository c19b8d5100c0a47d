// Bundles the browser client (web/) into dist/web/: index.html, viewer.css, viewer.js (the page) and
// decoder-worker.js (WebCodecs + OffscreenCanvas). Type checking is tsc's job (tsconfig.web.json).
import { build } from 'esbuild';
import { copyFileSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'dist', 'web');
const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));

mkdirSync(out, { recursive: true });
await build({
  absWorkingDir: root,
  entryPoints: { viewer: 'web/main.ts', 'decoder-worker': 'web/decoder-worker.ts' },
  outdir: out,
  bundle: true,
  format: 'iife',
  platform: 'browser',
  target: ['chrome100', 'firefox110', 'safari16'],
  minify: true,
  sourcemap: 'linked',
  legalComments: 'none',
  define: { __OPENDCV_VERSION__: JSON.stringify(version) },
  logLevel: 'warning',
});
for (const f of ['index.html', 'viewer.css']) copyFileSync(join(root, 'web', f), join(out, f));
console.log(`web client ${version} built into ${out}`);
