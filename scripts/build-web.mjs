// Bundles the browser client (web/) into dist/web/, one flat folder: the files of web/static/ (index.html,
// viewer.css, icons) as they are, viewer.js (the page, from web/main.ts) and decoder-worker.js (WebCodecs +
// OffscreenCanvas, from web/render/). Type checking is tsc's job (tsconfig.web.json).
import { build } from 'esbuild';
import { copyFileSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'dist', 'web');
const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));

mkdirSync(out, { recursive: true });
await build({
  absWorkingDir: root,
  entryPoints: { viewer: 'web/main.ts', 'decoder-worker': 'web/render/decoder-worker.ts' },
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
const statics = join(root, 'web', 'static');
for (const f of readdirSync(statics)) copyFileSync(join(statics, f), join(out, f));
console.log(`web client ${version} built into ${out}`);
