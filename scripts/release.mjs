// `npm run release`: packs this (already built) tree into opendcv-VERSION.tgz, the artifact `dcv upgrade`
// installs: dist/, bin/, share/, packaging/, the native addon, package.json, production node_modules and a
// manifest (opendcv-release.json) with the version and the sha256 of every file.
//
//   node scripts/release.mjs [--out DIR] [--version V]   stage from this tree and pack (V: OPENDCV_VERSION or package.json)
//   node scripts/release.mjs --pack DIR [--out DIR]      re-manifest and pack an unpacked release directory as it is
//
// The version is stamped into the staged copy (package.json and dist/src/version/current.js), never into
// the working tree, so tests can build a "newer" release from the same sources.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  chmodSync,
  cpSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const MANIFEST = 'opendcv-release.json';
const VERSION_RE = /^\d{4}\.\d{1,9}\.\d{1,9}$/;

function fail(message) {
  process.stderr.write(`release: ${message}\n`);
  process.exit(1);
}

function sha256(file) {
  return createHash('sha256').update(readFileSync(file)).digest('hex');
}

/** Every regular file under `dir`, relative, sorted; anything else (a symlink, a device) is refused. */
function filesUnder(dir, base = dir, out = []) {
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    const st = lstatSync(p);
    if (st.isDirectory()) filesUnder(p, base, out);
    else if (st.isFile()) out.push(relative(base, p).split(sep).join('/'));
    else fail(`${p} is neither a file nor a directory; a release holds only those`);
  }
  return out;
}

function writeManifest(dir, version) {
  const files = filesUnder(dir)
    .filter((f) => f !== MANIFEST)
    .map((path) => {
      const st = statSync(join(dir, path));
      return { path, sha256: sha256(join(dir, path)), size: st.size, mode: (st.mode & 0o777).toString(8) };
    });
  const manifest = { format: 1, name: 'opendcv', version, created: new Date().toISOString(), files };
  writeFileSync(join(dir, MANIFEST), `${JSON.stringify(manifest, null, 1)}\n`, { mode: 0o644 });
  return files.length;
}

/** The production dependency closure as npm resolved it in this tree (no registry access). */
function productionPackages() {
  const r = spawnSync('npm', ['ls', '--omit=dev', '--all', '--parseable'], { cwd: REPO, encoding: 'utf8' });
  // npm ls exits 1 for an extraneous dev package in a shared tree; the listing is still what we need.
  const dirs = r.stdout.split('\n').map((l) => l.trim()).filter((l) => l !== '' && resolve(l) !== REPO);
  if (dirs.length === 0) fail(`npm ls listed no production packages: ${r.stderr}`);
  return dirs.map((d) => relative(REPO, d));
}

function stage(version, into) {
  const top = join(into, `opendcv-${version}`);
  mkdirSync(top, { recursive: true });
  const copy = (from, filter = () => true) => {
    const src = join(REPO, from);
    if (!existsSync(src)) fail(`${from} is missing (run npm run build first)`);
    cpSync(src, join(top, from), { recursive: true, filter: (p) => filter(relative(REPO, p)) });
  };
  // Test files and benchmarks are not part of what a host runs.
  copy('dist/src', (p) => !/\.test\.js(\.map)?$/.test(p));
  copy('dist/web');
  copy('bin');
  copy('libexec');
  copy('share');
  copy('packaging');
  mkdirSync(join(top, 'build/Release'), { recursive: true });
  const addons = readdirSync(join(REPO, 'build/Release')).filter((n) => n.endsWith('.node'));
  if (addons.length === 0) fail('build/Release has no native addon (run npm run build first)');
  for (const n of addons) cpSync(join(REPO, 'build/Release', n), join(top, 'build/Release', n));
  for (const pkg of productionPackages()) {
    // Nested node_modules are listed (and copied) on their own; .bin holds symlinks a release has no use for.
    cpSync(join(REPO, pkg), join(top, pkg), {
      recursive: true,
      filter: (p) => {
        const rel = relative(join(REPO, pkg), p);
        return !(rel === 'node_modules' || rel.startsWith(`node_modules${sep}`) || basename(p) === '.bin');
      },
    });
  }
  const pkgJson = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8'));
  pkgJson.version = version;
  delete pkgJson.devDependencies;
  delete pkgJson.scripts;
  writeFileSync(join(top, 'package.json'), `${JSON.stringify(pkgJson, null, 2)}\n`);
  const current = join(top, 'dist/src/version/current.js');
  const text = readFileSync(current, 'utf8');
  const stamped = text.replace(/SERVER_VERSION = '[^']*'/, `SERVER_VERSION = '${version}'`);
  if (stamped === text && !text.includes(`SERVER_VERSION = '${version}'`)) fail(`cannot find SERVER_VERSION in ${current}`);
  writeFileSync(current, stamped);
  for (const b of readdirSync(join(top, 'bin'))) chmodSync(join(top, 'bin', b), 0o755);
  chmodSync(join(top, 'libexec/dcv/dcvagent'), 0o755);
  return top;
}

function pack(top, version, outDir) {
  const count = writeManifest(top, version);
  mkdirSync(outDir, { recursive: true });
  const out = join(outDir, `opendcv-${version}.tgz`);
  const name = basename(top);
  const r = spawnSync(
    'tar',
    ['--sort=name', '--owner=0', '--group=0', '--numeric-owner', '-czf', out, '-C', dirname(top), name],
    { encoding: 'utf8' },
  );
  if (r.status !== 0) fail(`tar failed: ${r.stderr}`);
  process.stdout.write(`${out}\n  opendcv ${version}, ${count} files, sha256 ${sha256(out)}\n`);
}

const { values } = parseArgs({
  options: { out: { type: 'string' }, version: { type: 'string' }, pack: { type: 'string' } },
  strict: true,
});
const outDir = resolve(values.out ?? REPO);

if (values.pack !== undefined) {
  const top = resolve(values.pack);
  const pkg = JSON.parse(readFileSync(join(top, 'package.json'), 'utf8'));
  const version = values.version ?? pkg.version;
  if (!VERSION_RE.test(version)) fail(`'${version}' is not a release version (YEAR.MINOR.PATCH)`);
  if (basename(top) !== `opendcv-${version}`) fail(`a release directory is named opendcv-${version}, not ${basename(top)}`);
  pack(top, version, outDir);
} else {
  const version = values.version ?? process.env.OPENDCV_VERSION ?? JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')).version;
  if (!VERSION_RE.test(version)) fail(`'${version}' is not a release version (YEAR.MINOR.PATCH)`);
  const work = mkdtempSync(join(tmpdir(), 'opendcv-release-'));
  try {
    pack(stage(version, work), version, outDir);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
