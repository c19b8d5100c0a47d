// The seed's first two steps as checks that change nothing: the target (integrity, version, that it runs
// here), the license against the target's version, client compatibility, running sessions, disk space, and
// the target's own `dcv config check` on the current dcv.conf. `plan` prints them; `apply` stops on a blocker.
import { execFile } from 'node:child_process';
import { existsSync, readFileSync, statfsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { DcvError, type ErrorCode } from '../errors.js';
import { readConfigFile } from '../host/dcv-conf-file.js';
import type { HostPaths } from '../host-paths.js';
import type { SessionDescription } from '../control/contract.js';
import { evaluateLicense } from '../server/license-gate.js';
import { clientCompatibility, OLDEST_CLIENT_VERSION } from '../version/compatibility.js';
import { compareVersions, parseVersion } from '../version/version.js';
import { configurationFiles } from './config-backup.js';
import {
  archivedManifest,
  checkMembers,
  resolveTarget,
  unpackRelease,
  type UpgradeTarget,
} from './release-archive.js';
import { currentRelease, type InstalledRelease } from './release-install.js';
import { MANIFEST_FILE, releaseSize, verifyReleaseTree, type ReleaseManifest } from './release-manifest.js';
import { listSessions, runningVersion, serverPid } from './server-control.js';
import { SMOKE_SESSION_PREFIX } from './smoke-test.js';

/** Free space kept beyond what the release and the backup need, so the host is not left at 0 bytes. */
const DISK_MARGIN = 64 * 1024 * 1024;

export interface Check {
  readonly name: 'target' | 'version' | 'license' | 'clients' | 'sessions' | 'disk' | 'configuration';
  readonly ok: boolean;
  /** For a blocker: the error `apply` stops with. */
  readonly code?: ErrorCode;
  readonly text: string;
}

export interface Preflight {
  readonly target: UpgradeTarget;
  readonly version: string;
  /** The unpacked, verified target (a staging directory, or the installed release). */
  readonly dir: string;
  readonly manifest: ReleaseManifest;
  /** The release being left: `current` now, or, when resuming, the one the journal recorded. */
  readonly previous: InstalledRelease | null;
  readonly serverPid: number | null;
  readonly serverVersion: string | null;
  /** Sessions apply would close (with --close-sessions, or its own leftover test sessions). */
  readonly sessionsToClose: SessionDescription[];
  readonly checks: Check[];
  readonly blockers: Check[];
}

export interface PreflightOptions {
  readonly closeSessions: boolean;
  /** Where a release file is unpacked; on the releases file system for apply, so the install is a rename. */
  readonly stagingDir: string;
  readonly stagingOnReleasesFs: boolean;
  /** Resuming: the release the interrupted upgrade left, instead of what `current` says now. */
  readonly previous?: InstalledRelease | null;
  readonly env: NodeJS.ProcessEnv;
  readonly cwd: string;
}

function run(file: string, args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [file, ...args], { env, maxBuffer: 1 << 24 }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : 1;
      resolve({ code, out: `${stdout}${stderr}`.trim() });
    });
  });
}

function licenseSetting(paths: HostPaths): string {
  return readConfigFile(paths.configFile, 'defaults').config.license['license-file'];
}

async function licenseCheck(paths: HostPaths, version: string): Promise<Check> {
  const s = await evaluateLicense(paths, licenseSetting(paths), version, new Date(), {
    recordEvaluation: false,
  });
  if (s.usable) {
    const lead = s.mode === 'licensed' ? `the license serves opendcv ${version}: ` : '';
    return { name: 'license', ok: true, text: `${lead}${s.reason}` };
  }
  // The gate's preamble describes a running server refusing sessions; here it is a check for a target.
  const reason = s.reason.replace(/^No usable license, so new sessions and connections are refused\. /, '');
  return {
    name: 'license',
    ok: false,
    code: s.code ?? 'LICENSE_INVALID',
    text: `not good for the target ${version}: ${reason}`,
  };
}

function installedDir(paths: HostPaths, version: string): string {
  return join(paths.releasesDir, version);
}

function existingDir(p: string): string {
  let d = p;
  while (!existsSync(d) && dirname(d) !== d) d = dirname(d);
  return d;
}

function diskCheck(paths: HostPaths, manifest: ReleaseManifest, needRelease: boolean): Check {
  const backup = configurationFiles(paths).present.reduce(
    (sum, p) => sum + (existsSync(p) ? readFileSync(p).length : 0),
    0,
  );
  const need = (needRelease ? releaseSize(manifest) : 0) + backup + DISK_MARGIN;
  const mib = (n: number): string => `${(n / 1048576).toFixed(1)} MiB`;
  let free: number;
  try {
    const fs = statfsSync(existingDir(paths.releasesDir));
    free = fs.bavail * fs.bsize;
  } catch (e) {
    return { name: 'disk', ok: true, text: `free space not measured (${(e as Error).message})` };
  }
  const text = `${mib(free)} free for ${needRelease ? `the release (${mib(releaseSize(manifest))}), ` : ''}the backup (${mib(backup)}) and a ${mib(DISK_MARGIN)} margin`;
  return free >= need
    ? { name: 'disk', ok: true, text }
    : { name: 'disk', ok: false, code: 'UPGRADE_DISK_SPACE', text: `${text}: ${mib(need - free)} short` };
}

async function configCheck(
  paths: HostPaths,
  dir: string,
  version: string,
  env: NodeJS.ProcessEnv,
): Promise<Check> {
  if (!existsSync(paths.configFile))
    return { name: 'configuration', ok: true, text: `no ${paths.configFile}: the defaults apply` };
  const r = await run(join(dir, 'bin/dcv'), ['config', 'check', paths.configFile], env);
  if (r.code === 0)
    return {
      name: 'configuration',
      ok: true,
      text: `opendcv ${version}'s own \`dcv config check\` accepts ${paths.configFile}`,
    };
  if (/unknown command 'config'/.test(r.out)) {
    return {
      name: 'configuration',
      ok: true,
      text: `opendcv ${version} has no \`dcv config check\`; ${paths.configFile} not checked by it`,
    };
  }
  return {
    name: 'configuration',
    ok: false,
    code: 'UPGRADE_CONFIG_REJECTED',
    text: `opendcv ${version}'s \`dcv config check\` rejects ${paths.configFile}; fix it before upgrading:\n${r.out.replace(/^/gm, '      ')}`,
  };
}

/** Unpacks (or finds) and verifies the target; the only errors thrown are about the target itself. */
export function prepareTarget(
  paths: HostPaths,
  targetArg: string,
  opts: PreflightOptions,
): { target: UpgradeTarget; dir: string; manifest: ReleaseManifest } {
  const target = resolveTarget(paths, targetArg, opts.cwd);
  if (target.kind === 'installed')
    return { target, dir: target.dir, manifest: verifyReleaseTree(target.dir, target.dir) };
  // The same release already unpacked (a resumed or repeated upgrade) is used where it is, once it verifies.
  const top = checkMembers(target.file);
  const installed = join(paths.releasesDir, top.slice('opendcv-'.length));
  try {
    if (readFileSync(join(installed, MANIFEST_FILE), 'utf8') === archivedManifest(target.file, top)) {
      return { target, dir: installed, manifest: verifyReleaseTree(installed, installed) };
    }
  } catch {
    // not installed, or not intact: unpack afresh
  }
  const staged = unpackRelease(target.file, opts.stagingDir);
  return { target, dir: staged.dir, manifest: staged.manifest };
}

export async function preflight(
  paths: HostPaths,
  targetArg: string,
  opts: PreflightOptions,
): Promise<Preflight> {
  const { target, dir, manifest } = prepareTarget(paths, targetArg, opts);
  const version = manifest.version;
  const checks: Check[] = [];
  const source = target.kind === 'file' ? `${target.file} (sha256 ${target.sha256})` : dir;

  // The target's own commands: that it runs here and says its version, and what it makes of dcv.conf.
  const [runs, configuration] = await Promise.all([
    run(join(dir, 'bin/dcv'), ['version'], opts.env),
    configCheck(paths, dir, version, opts.env),
  ]);
  if (runs.code !== 0 || runs.out !== `opendcv ${version}`) {
    throw new DcvError(
      'UPGRADE_TARGET_INVALID',
      `The target ${source} does not run here: \`dcv version\` said '${runs.out.split('\n')[0] ?? ''}', not 'opendcv ${version}'.`,
    );
  }
  checks.push({
    name: 'target',
    ok: true,
    text: `opendcv ${version} from ${source}; ${manifest.files.length} files match its manifest`,
  });

  const previous = opts.previous !== undefined ? opts.previous : currentRelease(paths);
  if (previous !== null && compareVersions(parseVersion(version), parseVersion(previous.version)) <= 0) {
    checks.push({
      name: 'version',
      ok: false,
      code: 'UPGRADE_NOT_NEWER',
      text: `the target ${version} is not newer than the installed ${previous.version}; \`dcv upgrade rollback\` returns to the previous release`,
    });
  } else {
    checks.push({
      name: 'version',
      ok: true,
      text:
        previous === null
          ? `no release installed yet: ${version} is a first install`
          : `${previous.version} -> ${version}`,
    });
  }

  checks.push(await licenseCheck(paths, version));
  const clients = clientCompatibility(version, OLDEST_CLIENT_VERSION);
  checks.push({
    name: 'clients',
    ok: true,
    text: `viewers ${OLDEST_CLIENT_VERSION.text} and later connect (${clients.explanation.replace(/\.$/, '')}); older viewers are refused at the handshake`,
  });

  const pid = serverPid(paths);
  const serverVersion = await runningVersion(paths);
  let sessions: SessionDescription[] = [];
  let unreachable = '';
  try {
    sessions = pid === null ? [] : await listSessions(paths);
  } catch (e) {
    // A server that runs but does not answer cannot say whether sessions run: never guess "none".
    unreachable = e instanceof Error ? e.message : String(e);
  }
  const leftovers = sessions.filter((s) => s.id.startsWith(SMOKE_SESSION_PREFIX));
  const users = sessions.filter((s) => !s.id.startsWith(SMOKE_SESSION_PREFIX));
  const names = users.map((s) => `'${s.id}' (owner ${s.owner})`).join(', ');
  const server =
    pid === null ? 'dcvserver is not running' : `dcvserver ${serverVersion ?? '?'} runs (pid ${pid})`;
  if (unreachable !== '') {
    checks.push({
      name: 'sessions',
      ok: false,
      code: 'SERVER_NOT_RUNNING',
      text: `dcvserver (pid ${pid}) does not answer on ${paths.controlSocket} (${unreachable}), so its sessions are unknown; restart it or stop it, then retry`,
    });
  } else if (users.length === 0) {
    checks.push({ name: 'sessions', ok: true, text: `${server}; no sessions running` });
  } else if (opts.closeSessions) {
    checks.push({
      name: 'sessions',
      ok: true,
      text: `${server}; --close-sessions will close ${users.length}: ${names}`,
    });
  } else {
    checks.push({
      name: 'sessions',
      ok: false,
      code: 'UPGRADE_SESSIONS_RUNNING',
      text: `${server} with ${users.length} session${users.length === 1 ? '' : 's'}: ${names}; close ${users.length === 1 ? 'it' : 'them'} (dcv close-session) or use --close-sessions`,
    });
  }

  checks.push(
    diskCheck(
      paths,
      manifest,
      target.kind === 'file' && dir !== installedDir(paths, version) && !opts.stagingOnReleasesFs,
    ),
  );
  checks.push(configuration);

  return {
    target,
    version,
    dir,
    manifest,
    previous,
    serverPid: pid,
    serverVersion,
    sessionsToClose: opts.closeSessions ? [...leftovers, ...users] : leftovers,
    checks,
    blockers: checks.filter((c) => !c.ok),
  };
}

/** What `apply` stops with: the first blocker's code, every blocker's text. */
export function blockerError(p: Preflight): DcvError {
  const first = p.blockers[0]!;
  const lines = p.blockers.map((b) => `  ${b.name}: ${b.text}`).join('\n');
  return new DcvError(
    first.code ?? 'INTERNAL',
    `Upgrade to ${p.version} refused before anything changed:\n${lines}`,
  );
}
