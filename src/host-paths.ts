// Where opendcv keeps its files on a host (DESIGN.md §4). Everything hangs off one root so a test
// or an unprivileged user can move the whole installation: DCV_ROOT=/tmp/x maps /etc/dcv to /tmp/x/etc/dcv.

export interface HostPaths {
  readonly root: string;
  readonly etcDir: string;
  readonly configFile: string;
  readonly tlsCert: string;
  readonly tlsKey: string;
  readonly defaultPermissionsFile: string;
  readonly logDir: string;
  readonly serverLog: string;
  readonly upgradeLog: string;
  readonly stateDir: string;
  readonly backupsDir: string;
  readonly upgradeStateFile: string;
  readonly releasesDir: string;
  readonly currentRelease: string;
  readonly binDir: string;
  readonly runDir: string;
  readonly controlSocket: string;
  readonly pidFile: string;
  /** Per-session runtime files (X authority, framebuffer): runDir/sessions/<id>/. */
  readonly sessionsRunDir: string;
  /** The session-manager broker (DCV Session Manager's names): its properties file and TLS pair. */
  readonly brokerEtcDir: string;
  readonly brokerConfigFile: string;
  readonly brokerTlsCert: string;
  readonly brokerTlsKey: string;
  readonly brokerLog: string;
  /** The host agent that links this dcvserver to the broker. */
  readonly agentEtcDir: string;
  readonly agentConfigFile: string;
  readonly agentTagsDir: string;
  readonly agentInitDir: string;
  readonly agentStateFile: string;
  readonly agentLog: string;
}

/** `root` is DCV_ROOT ('' or undefined for the real host). Pure: joins strings, touches nothing. */
export function hostPaths(root: string | undefined): HostPaths {
  const base = (root ?? '').replace(/\/+$/, '');
  const at = (p: string): string => `${base}${p}`;
  return Object.freeze({
    root: base === '' ? '/' : base,
    etcDir: at('/etc/dcv'),
    configFile: at('/etc/dcv/dcv.conf'),
    tlsCert: at('/etc/dcv/dcv.pem'),
    tlsKey: at('/etc/dcv/dcv.key'),
    defaultPermissionsFile: at('/etc/dcv/default.perm'),
    logDir: at('/var/log/dcv'),
    serverLog: at('/var/log/dcv/server.log'),
    upgradeLog: at('/var/log/dcv/upgrade.log'),
    stateDir: at('/var/lib/dcv'),
    backupsDir: at('/var/lib/dcv/backups'),
    upgradeStateFile: at('/var/lib/dcv/upgrade/state.json'),
    releasesDir: at('/opt/dcv/releases'),
    currentRelease: at('/opt/dcv/current'),
    binDir: at('/usr/bin'),
    runDir: at('/run/dcv'),
    controlSocket: at('/run/dcv/control.sock'),
    pidFile: at('/run/dcv/dcvserver.pid'),
    sessionsRunDir: at('/run/dcv/sessions'),
    brokerEtcDir: at('/etc/dcv-session-manager-broker'),
    brokerConfigFile: at('/etc/dcv-session-manager-broker/session-manager-broker.properties'),
    brokerTlsCert: at('/etc/dcv-session-manager-broker/broker.pem'),
    brokerTlsKey: at('/etc/dcv-session-manager-broker/broker.key'),
    brokerLog: at('/var/log/dcv-session-manager-broker/broker.log'),
    agentEtcDir: at('/etc/dcv-session-manager-agent'),
    agentConfigFile: at('/etc/dcv-session-manager-agent/agent.conf'),
    agentTagsDir: at('/etc/dcv-session-manager-agent/tags'),
    agentInitDir: at('/var/lib/dcv-session-manager-agent/init'),
    agentStateFile: at('/var/lib/dcv-session-manager-agent/agent-id.json'),
    agentLog: at('/var/log/dcv-session-manager-agent/agent.log'),
  });
}

/**
 * A path from dcv.conf on this host. Under DCV_ROOT, host paths (/etc/dcv/license.lic) live under the root
 * like every other DCV path, unless the path already points inside it; relative paths are taken from /etc/dcv.
 */
export function resolveHostPath(paths: HostPaths, p: string): string {
  if (!p.startsWith('/')) return joinPath(paths.etcDir, p);
  if (paths.root === '/' || p === paths.root || p.startsWith(`${paths.root}/`)) return p;
  return `${paths.root}${p}`;
}

/** `base/rel` with `.` and `..` resolved, as node:path's join does, without Node (this file is pure). */
function joinPath(base: string, rel: string): string {
  const parts: string[] = [];
  for (const seg of `${base}/${rel}`.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') parts.pop();
    else parts.push(seg);
  }
  const joined = `${base.startsWith('/') ? '/' : ''}${parts.join('/')}`;
  return rel.endsWith('/') ? `${joined}/` : joined || '.';
}
