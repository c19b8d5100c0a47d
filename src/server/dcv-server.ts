// dcvserver itself: reads the configuration, claims the pid file, owns the session table and the control
// socket, and on stop disposes that one tree so nothing it started is left running.
import { X509Certificate } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ensureRootDirectory, removeSessionDirectory } from '../host/root-files.js';
import { killAll, processesWithEnvironment } from '../host/process-sweep.js';
import { findUserByName } from '../host/user-account.js';
import { collectPermissionSources } from '../config/permissions-file.js';
import { DcvError } from '../errors.js';
import type { HostPaths } from '../host-paths.js';
import type { DcvConfig, HeadLayout } from '../config/index.js';
import {
  checkLayout,
  normalizeLayout,
  type DisplayHead,
  type LayoutLimits,
  type LayoutRequester,
} from '../display/display-layout.js';
import { SERVER_VERSION } from '../version/current.js';
import { SessionTable, type Caller, type SessionSettings } from '../session/session-table.js';
import type { Session } from '../session/session.js';
import { describeSession } from './control/describe-session.js';
import { rfc3339, type EndpointsDescription, type SessionDescription } from '../control/contract.js';
import { controlHandlers } from './control/control-handlers.js';
import { ControlSocketServer } from './control/control-socket.js';
import { Logger, parseLogLevel } from './logger.js';
import { claimPidFile, releasePidFile } from '../host/pid-file.js';
import { readServerConfig } from './server-config.js';
import { loadTlsIdentity } from './tls-identity.js';
import { ViewerHub } from './viewer/viewer-hub.js';
import { WebEndpoint } from './viewer/web-endpoint.js';
import type { SessionMedia } from './viewer/session-media.js';
import { openSessionMedia } from './viewer/session-media-x11.js';
import { chooseH264Encoder, type H264EncoderKind } from '../codec/h264-encoder-choice.js';
import { admitSession, evaluateLicense, licenseRefusal, type LicenseStatus } from './license-gate.js';
import { SessionAgents } from './session-agents.js';

export interface DcvServerOptions {
  /** Echo the log to stderr (foreground runs). */
  readonly echoLog: boolean;
}

export function sessionSettings(config: DcvConfig, paths: HostPaths): SessionSettings {
  const sm = config['session-management'];
  const heads = (layout: readonly HeadLayout[]): DisplayHead[] =>
    layout.length === 0
      ? []
      : normalizeLayout(layout.map((h) => ({ width: h.w, height: h.h, x: h.x, y: h.y })));
  const virtualLayout = heads(sm['virtual-session-default-layout']);
  return {
    defaultInit: sm['virtual-session-init'],
    sourceProfile: sm['virtual-session-source-profile'],
    defaultLayout: virtualLayout.length > 0 ? virtualLayout : [{ width: 1920, height: 1080, x: 0, y: 0 }],
    consoleDefaultLayout: heads(config.display['console-session-default-layout']),
    maxConcurrentSessions: sm['max-concurrent-sessions'],
    maxSessionsPerUser: sm['max-sessions-per-user'],
    consoleDisplay: sm['console-session-display'],
    consoleXauthority: process.env['XAUTHORITY'] ?? '',
    xvfbArgs: sm['virtual-session-xdcv-args'].split(/\s+/).filter((a) => a !== ''),
    runDir: paths.sessionsRunDir,
    logDir: config.log.directory || paths.logDir,
  };
}

/** Removes every entry of the sessions directory (no session runs before the server), saying what it did. */
async function removeLeftoverSessionDirectories(dir: string, log: Logger): Promise<void> {
  for (const name of readdirSync(dir)) {
    try {
      await removeSessionDirectory(join(dir, name));
      log.info(
        `Removed the directory of session '${name}', left by an earlier run that did not stop cleanly`,
      );
    } catch (e) {
      log.error(`Cannot remove ${join(dir, name)}, left by an earlier run: ${(e as Error).message}`);
    }
  }
}

export class DcvServer {
  private stopping: Promise<void> | null = null;
  private license: LicenseStatus | null = null;
  private web: WebEndpoint | null = null;
  private viewers: ViewerHub | null = null;
  private readonly media = new Map<string, Promise<SessionMedia>>();
  /** The H.264 encoder of every session's video, chosen when the first viewer connects (see h264Encoder). */
  private encoder: Promise<H264EncoderKind> | null = null;
  /** SHA-256 of the web endpoint's certificate (`dcv list-endpoints`). */
  private certificateFingerprint: string | null = null;
  /** Each session's agent (clipboard, file storage), run as the owner. */
  readonly agents: SessionAgents;

  private constructor(
    readonly paths: HostPaths,
    readonly config: DcvConfig,
    readonly log: Logger,
    readonly sessions: SessionTable,
    private control: ControlSocketServer | null,
  ) {
    this.agents = new SessionAgents(config, paths.runDir, config.log.directory || paths.logDir, log.child('agent'));
  }

  static async start(paths: HostPaths, options: DcvServerOptions): Promise<DcvServer> {
    const { config, warnings } = readServerConfig(paths.configFile);
    // Root creates files in these; they must be root's alone, or a user could swap what root opens there.
    ensureRootDirectory(paths.runDir);
    ensureRootDirectory(paths.sessionsRunDir);
    const logDir = config.log.directory || paths.logDir;
    ensureRootDirectory(logDir);
    claimPidFile(paths.pidFile);
    const log = new Logger(`${logDir}/server.log`, parseLogLevel(config.log.level), options.echoLog);
    // What an earlier server that was killed left behind (its sessions died with it): removed the safe way.
    await removeLeftoverSessionDirectories(paths.sessionsRunDir, log);
    const sessionLog = log.child('session');
    const sessions = new SessionTable(sessionSettings(config, paths), {
      created: (s) => {
        sessionLog.info(`Session '${s.id}' created (owner:${s.owner} type:${s.type} display:${s.x11Display})`);
        server.agents.start(s);
      },
      ended: (s, reason) => {
        sessionLog.info(`Session '${s.id}' ended: ${reason}`);
        server.sessionEnded(s);
      },
    });
    // The session events above only fire once sessions exist, long after `server` is assigned.
    const server = new DcvServer(paths, config, log, sessions, null);
    try {
      log.info(`opendcv ${SERVER_VERSION} starting (pid ${process.pid}, configuration ${paths.configFile})`);
      for (const w of warnings) log.warn(w);
      await server.checkLicense();
      sessions.setAdmissionCheck(async (running) => {
        const status = await server.checkLicense();
        const refusal = admitSession(status, running);
        if (refusal !== null) {
          log.child('license').warn(`Session refused: ${refusal.message}`);
          throw refusal;
        }
      });
      server.control = await ControlSocketServer.listen(
        paths.controlSocket,
        controlHandlers({
          sessions,
          log,
          viewers: () => server.viewers,
          describe: (s) => server.describe(s),
          checkLicense: () => server.checkLicense(),
          endpoints: () => server.endpoints(),
          setLayout: (s, heads, who) => server.setLayout(s, heads, who),
          logOutConsoleUser: (s) => server.logOutConsoleUser(s),
        }),
        (e) => log.error(`control socket: ${(e as Error).stack ?? String(e)}`),
      );
      await server.startWebEndpoint();
      await server.createAutomaticConsoleSession();
      log.info(
        `dcvserver ready; control socket ${paths.controlSocket}; web on ${server.web?.addresses.join(', ')}`,
      );
      return server;
    } catch (e) {
      await server.stop('start failed');
      throw e;
    }
  }

  /** Every address the web endpoint listens on, and the fingerprint of the certificate it presents. */
  private endpoints(): EndpointsDescription {
    if (this.web === null || this.certificateFingerprint === null)
      throw new DcvError('SERVER_NOT_RUNNING', 'The web endpoint is not running.');
    return {
      endpoints: this.web.listening.map(({ host, port }) => ({
        address: host,
        port,
        protocols: ['https', 'wss'],
      })),
      certificate: { path: this.paths.tlsCert, 'sha256-fingerprint': this.certificateFingerprint },
    };
  }

  private async startWebEndpoint(): Promise<void> {
    const tls = await loadTlsIdentity(this.paths);
    this.certificateFingerprint = new X509Certificate(tls.cert).fingerprint256;
    if (tls.generated) this.log.info(`Generated a self-signed TLS certificate in ${this.paths.tlsCert}`);
    const viewerLog = this.log.child('viewer');
    this.viewers = new ViewerHub({
      config: this.config,
      sessions: this.sessions,
      log: viewerLog,
      defaultPermissionsFile: this.paths.defaultPermissionsFile,
      mediaFor: (session) => this.mediaFor(session),
      licenseRefusal: () => this.connectionRefusal(),
      agents: this.agents,
    });
    this.web = await WebEndpoint.start({
      config: this.config,
      tls,
      sessions: this.sessions,
      viewers: this.viewers,
      log: viewerLog,
    });
  }

  private mediaFor(session: Session): Promise<SessionMedia> {
    let m = this.media.get(session.id);
    if (m === undefined) {
      m = this.h264Encoder().then((encoder) =>
        openSessionMedia(session, this.config, encoder, this.log.child('media')),
      );
      this.media.set(session.id, m);
      m.catch(() => this.media.delete(session.id));
    }
    return m;
  }

  /**
   * A hardware encoder when this host has one that works, else libx264; probed once (a test frame per
   * candidate), on first use, so a server nobody views never runs the probes.
   */
  private h264Encoder(): Promise<H264EncoderKind> {
    this.encoder ??= chooseH264Encoder().then(({ kind, passedOver }) => {
      const others = passedOver.length > 0 ? `; not used: ${passedOver.join('; ')}` : '';
      this.log
        .child('media')
        .info(`H.264 encoder: ${kind.name}${kind.hardware ? ' (hardware)' : ''}${others}`);
      return kind;
    });
    return this.encoder;
  }

  private sessionEnded(s: Session): void {
    this.viewers?.sessionEnded(s.id);
    void this.agents.stop(s.id);
    const m = this.media.get(s.id);
    this.media.delete(s.id);
    void m?.then((media) => media.dispose()).catch(() => undefined);
  }

  /**
   * Evaluates the license afresh (so an expiry or the end of the evaluation takes effect without a
   * restart) and logs when the verdict changes.
   */
  async checkLicense(): Promise<LicenseStatus> {
    const status = await evaluateLicense(
      this.paths,
      this.config.license['license-file'],
      SERVER_VERSION,
      new Date(),
    );
    const log = this.log.child('license');
    if (this.license === null || this.license.reason !== status.reason) {
      if (status.usable) log.info(status.reason);
      else log.error(status.reason);
      for (const w of status.warnings) log.warn(w);
    }
    this.license = status;
    return status;
  }

  /** The refusal a new viewer gets when the license does not serve this server, or null. */
  async connectionRefusal(): Promise<DcvError | null> {
    return licenseRefusal(await this.checkLicense());
  }

  /** `close-session --logout-user` on a console session: the owner's programs on that display are ended. */
  async logOutConsoleUser(session: Session): Promise<void> {
    const owner = await findUserByName(session.owner);
    if (owner === null) return;
    const pids = processesWithEnvironment(`DISPLAY=${session.x11Display}`).filter((pid) => {
      try {
        return statSync(`/proc/${pid}`).uid === owner.uid && pid !== process.pid;
      } catch {
        return false;
      }
    });
    killAll(pids, 'SIGTERM');
    this.log.info(`User '${session.owner}' logged out of ${session.x11Display}: ${pids.length} program(s) ended`);
  }

  private async createAutomaticConsoleSession(): Promise<void> {
    if (!this.config['session-management']['create-session']) return;
    const auto = this.config['session-management/automatic-console-session'];
    const root: Caller = { uid: 0, name: 'root' };
    try {
      await this.sessions.create(root, {
        id: 'console',
        type: 'console',
        owner: auto.owner || (process.getuid?.() === 0 ? 'root' : (process.env['USER'] ?? 'root')),
        maxConcurrentClients: auto['max-concurrent-clients'],
        storageRoot: auto['storage-root'],
        // Root's own configuration names the file, so the server reads it (and what it imports) itself.
        ...(auto['permissions-file'] !== ''
          ? {
              permissions: collectPermissionSources(auto['permissions-file'], (p) => readFileSync(p, 'utf8')),
            }
          : {}),
      });
    } catch (e) {
      // A missing console display must not keep the administrator from reaching the server.
      this.log.error(`Automatic console session not created: ${(e as Error).message}`);
    }
  }

  private describe(s: Session): SessionDescription {
    const license = this.license;
    const licensed = license?.mode === 'licensed';
    return describeSession(s, {
      connections: this.viewers?.forSession(s.id).length ?? 0,
      lastDisconnection: this.viewers?.lastDisconnectionOf(s.id) ?? null,
      licensingMode: licensed ? 'license-file' : license?.mode === 'evaluation' ? 'demo' : 'unlicensed',
      licenses: [
        {
          product: 'dcv',
          status: license?.usable === true ? 'licensed' : 'unlicensed',
          // As DCV prints them: microseconds, and an expiry day at midnight UTC.
          'check-timestamp': rfc3339(new Date()),
          'expiration-date':
            license?.expires == null ? '' : `${license.expires.toISOString().slice(0, 10)}T00:00:00Z`,
        },
      ],
    });
  }

  /**
   * The [display] limits as dcv.conf says now: DCV re-reads them at every layout request. A dcv.conf that
   * no longer loads keeps the limits the server started with (its start already reported any problem).
   */
  layoutLimits(): LayoutLimits {
    let display = this.config.display;
    try {
      display = readServerConfig(this.paths.configFile).config.display;
    } catch (e) {
      this.log.warn(`display limits: keeping the ones read at start (${(e as Error).message})`);
    }
    return {
      maxHeadResolution: display['max-head-resolution'],
      minHeadResolution: display['min-head-resolution'],
      webClientMaxHeadResolution: display['web-client-max-head-resolution'],
      maxNumHeads: display['max-num-heads'],
      maxLayoutArea: display['max-layout-area'],
    };
  }

  /** Checks `heads` against the limits (LAYOUT_REFUSED names the one broken), then puts them on the screen. */
  async setLayout(s: Session, heads: readonly DisplayHead[], who: LayoutRequester): Promise<void> {
    checkLayout(heads, this.layoutLimits(), who);
    await s.setLayout(normalizeLayout(heads));
  }

  /** Disposes everything: sessions (and their processes), the control socket, the pid file, the log. */
  stop(reason: string): Promise<void> {
    this.stopping ??= (async () => {
      this.log.info(`dcvserver stopping: ${reason}`);
      await this.control?.close();
      await this.web?.close();
      await this.sessions.closeAll();
      await this.agents.stopAll();
      await Promise.all(
        [...this.media.values()].map((m) => m.then((x) => x.dispose()).catch(() => undefined)),
      );
      releasePidFile(this.paths.pidFile);
      this.log.info('dcvserver stopped');
      await this.log.close();
    })();
    return this.stopping;
  }
}
