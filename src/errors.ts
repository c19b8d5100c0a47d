// The one catalogue of user-facing failures: every code is stable, documented in docs/errors.md
// (a test keeps the two in step) and maps to the exit status the CLI returns.

export interface ErrorSpec {
  /** Exit status of `dcv`/`dcvserver` when this error ends the command. */
  readonly exitStatus: number;
  /** One line for docs/errors.md: when it happens and what to do. */
  readonly summary: string;
}

export const errorCatalogue = {
  // --- usage and generic -------------------------------------------------------------------
  USAGE: { exitStatus: 2, summary: 'A command was given unknown options or arguments; run it with --help.' },
  INTERNAL: { exitStatus: 1, summary: 'An unexpected failure; the server log has the details. Please report it.' },
  PERMISSION_DENIED: {
    exitStatus: 5,
    summary: 'The caller may not do this (only root or the session owner may manage a session).',
  },

  // --- configuration ------------------------------------------------------------------------
  CONFIG_INVALID: {
    exitStatus: 3,
    summary: 'dcv.conf has a bad value; the message names file, line and key. Fix it and start again.',
  },
  CONFIG_UNREADABLE: { exitStatus: 3, summary: 'dcv.conf (or another configuration file) cannot be read.' },

  // --- server and control socket ---------------------------------------------------------------
  SERVER_NOT_RUNNING: {
    exitStatus: 6,
    summary: 'dcv could not reach dcvserver on its control socket; start it with `dcvserver start`.',
  },
  SERVER_ALREADY_RUNNING: { exitStatus: 6, summary: 'dcvserver is already running (its pid file names a live process).' },
  WEB_LISTEN_FAILED: {
    exitStatus: 6,
    summary: 'dcvserver cannot listen on its web port (in use, or not allowed); change [connectivity] web-port or stop the other program.',
  },
  CONTROL_PROTOCOL: { exitStatus: 1, summary: 'dcv and dcvserver disagree on the control protocol (mixed versions), or a request exceeds its limits (1 MiB per request, 16 connections per user).' },

  // --- sessions -----------------------------------------------------------------------------
  SESSION_NOT_FOUND: { exitStatus: 4, summary: 'No session has that id; `dcv list-sessions` shows the ones you may see.' },
  SESSION_EXISTS: { exitStatus: 4, summary: 'A session with that id already exists; choose another id.' },
  SESSION_ID_INVALID: {
    exitStatus: 2,
    summary: 'A session id is 1-128 characters of letters, digits, `_`, `-` and `.`, not starting with `.` or `-`.',
  },
  SESSION_NAME_INVALID: { exitStatus: 2, summary: 'A session name is at most 256 characters, without line breaks.' },
  OWNER_UNKNOWN: { exitStatus: 4, summary: 'The session owner is not a user on this host.' },
  SESSION_START_FAILED: {
    exitStatus: 7,
    summary: 'The session could not start (X server or init program failed); the server log says why.',
  },
  SESSION_LIMIT: {
    exitStatus: 7,
    summary: 'max-concurrent-sessions or max-sessions-per-user in dcv.conf is reached; close a session first.',
  },
  CONSOLE_SESSION_CONFLICT: {
    exitStatus: 7,
    summary: 'Console and virtual sessions cannot run at once, and there is only one console session.',
  },
  INIT_NOT_EXECUTABLE: { exitStatus: 2, summary: 'The --init program does not exist or is not executable.' },
  CONNECTION_NOT_FOUND: { exitStatus: 4, summary: 'The session has no connection with that id; see `dcv list-connections`.' },
  SCREENSHOT_FAILED: { exitStatus: 7, summary: 'The session screen could not be captured or encoded.' },

  // --- licensing ------------------------------------------------------------------------------
  VERSION_INVALID: {
    exitStatus: 2,
    summary: 'A version is not a calendar version YEAR[.MINOR[.PATCH]] such as 2026.0.0 or 2017.',
  },
  CLIENT_TOO_OLD: {
    exitStatus: 8,
    summary: 'The viewer is older than 2017.0, the oldest client a 2017+ server accepts; update the client.',
  },
  LICENSE_TOO_OLD: {
    exitStatus: 8,
    summary: "The license's version is older than the server's year; request a license of at least that year.",
  },
  LICENSE_EXPIRED: { exitStatus: 8, summary: 'The license has passed its expiry date; request a renewed license.' },
  LICENSE_INVALID: {
    exitStatus: 8,
    summary: 'A license file is unreadable, truncated, has an unknown field or a bad value; request a new copy.',
  },
  LICENSE_SIGNATURE: {
    exitStatus: 8,
    summary: 'A license fails its signature (edited, or signed by an issuer this server does not trust).',
  },
  LICENSE_HOST: { exitStatus: 8, summary: 'The license is bound to another host; request one for this hostname.' },
  LICENSE_NOT_FOUND: { exitStatus: 8, summary: 'A file named by [license] license-file in dcv.conf does not exist.' },
  LICENSE_EVALUATION_OVER: {
    exitStatus: 8,
    summary: 'The 30-day evaluation has ended and no license is configured; install one with [license] license-file.',
  },
  LICENSE_SESSION_LIMIT: {
    exitStatus: 7,
    summary: "The license's max-sessions are all in use; close a session or request a larger license.",
  },
  ISSUER_KEY_INVALID: { exitStatus: 2, summary: 'A license issuer key file (.key or .pub) is unreadable or malformed.' },

  // --- display and codec --------------------------------------------------------------------
  FRAMEBUFFER_UNSUPPORTED: {
    exitStatus: 7,
    summary: 'The session framebuffer is missing or not a 24-bit XWD file; start Xvfb with -fbdir and -screen 0 WxHx24.',
  },
  DISPLAY_CONNECT_FAILED: {
    exitStatus: 7,
    summary: 'The X display could not be reached or refused the cookie; check the X server runs and the xauth file.',
  },
  X_EXTENSION_MISSING: {
    exitStatus: 7,
    summary: 'The X server lacks DAMAGE, XFIXES or XTEST; start it with +extension DAMAGE +extension XFIXES +extension XTEST.',
  },
  LAYOUT_REFUSED: {
    exitStatus: 7,
    summary: 'A display layout breaks a [display] limit in dcv.conf (the message names the key and its value) or client resizing is off.',
  },
  LAYOUT_FAILED: {
    exitStatus: 7,
    summary: "The session's X server could not take the display layout (console displays that cannot resize); the message says why.",
  },
  ENCODER_FAILED: { exitStatus: 7, summary: 'ffmpeg (libx264) is missing or stopped while encoding; install ffmpeg with libx264.' },

  // --- viewer protocol ----------------------------------------------------------------------
  PROTOCOL_MALFORMED: {
    exitStatus: 9,
    summary: 'A viewer sent a message that does not decode (truncated, unknown type, bad field); that connection is closed.',
  },
  PROTOCOL_MESSAGE_TOO_LARGE: {
    exitStatus: 9,
    summary: "A viewer message exceeded its type's size limit (docs/protocol.md); that connection is closed.",
  },
  PROTOCOL_VERSION_UNSUPPORTED: {
    exitStatus: 8,
    summary: 'The viewer speaks another viewer-protocol version; use the web client this server serves.',
  },
  NO_COMMON_CODEC: {
    exitStatus: 9,
    summary: 'The viewer decodes none of the codecs the server sends; use a browser with WebCodecs H.264 support.',
  },

  // --- authentication and permissions ------------------------------------------------------------
  AUTHENTICATION_FAILED: {
    exitStatus: 13,
    summary: 'The user name, password or token was not accepted; the viewer is told no more, so check them and retry.',
  },
  AUTHENTICATION_THROTTLED: {
    exitStatus: 13,
    summary: 'Too many failed logins from this address or for this user (authentication-threshold); wait and retry.',
  },
  AUTHENTICATION_UNAVAILABLE: {
    exitStatus: 13,
    summary: 'PAM (/etc/pam.d/<pam-service-name>) or the auth-token-verifier cannot be used; the server log says why.',
  },
  PERMISSIONS_INVALID: {
    exitStatus: 2,
    summary: 'A permissions file has a syntax error, an unknown feature, alias or group; the message names file and line.',
  },
  PERMISSIONS_UNREADABLE: { exitStatus: 3, summary: 'A permissions file (or one it #imports) cannot be read.' },

  // --- upgrade -----------------------------------------------------------------------------
  UPGRADE_TARGET_INVALID: {
    exitStatus: 10,
    summary:
      'The upgrade target is not a readable opendcv release, fails its sha256 manifest, or does not run here; get a fresh copy.',
  },
  UPGRADE_NOT_NEWER: {
    exitStatus: 10,
    summary:
      'The target is not newer than the installed release; to go back use `dcv upgrade rollback`.',
  },
  UPGRADE_SESSIONS_RUNNING: {
    exitStatus: 10,
    summary:
      'Sessions are running; close them (`dcv close-session`) or rerun with --close-sessions.',
  },
  UPGRADE_CONFIG_REJECTED: {
    exitStatus: 10,
    summary:
      'The target release\'s `dcv config check` rejects the current dcv.conf; fix the keys it names first.',
  },
  UPGRADE_DISK_SPACE: {
    exitStatus: 10,
    summary:
      'Not enough free space for the release and the configuration backup; free some and retry.',
  },
  UPGRADE_NOT_CONFIRMED: {
    exitStatus: 10,
    summary:
      '`dcv upgrade apply` was not confirmed; answer y, or pass --yes when not on a terminal.',
  },
  UPGRADE_IN_PROGRESS: {
    exitStatus: 10,
    summary:
      'Another `dcv upgrade` is running on this host (see `dcv upgrade status`); wait for it.',
  },
  UPGRADE_INTERRUPTED: {
    exitStatus: 10,
    summary:
      'An earlier upgrade was interrupted; resume it with `dcv upgrade apply` of the same target, or `dcv upgrade rollback`.',
  },
  UPGRADE_NOTHING_TO_ROLL_BACK: {
    exitStatus: 10,
    summary:
      'No upgrade is recorded to roll back (`dcv upgrade status` shows the journal).',
  },
  UPGRADE_FIRST_INSTALL: {
    exitStatus: 10,
    summary:
      'The last upgrade was a first install; rolling it back would leave no server. `dcv upgrade rollback --uninstall` does it anyway.',
  },
  UPGRADE_ROLLED_BACK: {
    exitStatus: 11,
    summary:
      'The upgrade failed after the server stopped and was undone: the previous release runs with the backed-up configuration; the message says which step failed.',
  },
  UPGRADE_ROLLBACK_FAILED: {
    exitStatus: 12,
    summary:
      'Returning to the previous release failed; run `dcv upgrade rollback` again. The configuration backup is intact under /var/lib/dcv/backups.',
  },

  // --- session-manager broker and host agent (docs/many-hosts.md) ---------------------------------
  BROKER_CONFIG_INVALID: {
    exitStatus: 3,
    summary:
      'session-manager-broker.properties is missing or has a bad value; the message names file, line and key.',
  },
  BROKER_DATABASE_UNAVAILABLE: {
    exitStatus: 6,
    summary:
      'The broker cannot reach its PostgreSQL database (down, restarting, or jdbc-connection-url is wrong); the request changed nothing: retry.',
  },
  BROKER_LISTEN_FAILED: {
    exitStatus: 6,
    summary:
      'The broker cannot listen on a connector port (in use, or not allowed); change the *-connector-https-port key or stop the other program.',
  },
  BROKER_INVALID_REQUEST: {
    exitStatus: 2,
    summary:
      'A Session Manager API request is malformed or names a bad value (HTTP 400); the message names the field.',
  },
  BROKER_UNAUTHORIZED: {
    exitStatus: 5,
    summary:
      'The API call has no valid bearer token (get one from POST /oauth2/token), or an agent\'s credentials are wrong (HTTP 401).',
  },
  BROKER_NOT_FOUND: {
    exitStatus: 2,
    summary:
      'The API has no such operation at that path and method (HTTP 404).',
  },
  BROKER_SESSION_NOT_FOUND: {
    exitStatus: 4,
    summary:
      'No session managed by the broker has that id (or not for that owner).',
  },
  BROKER_SESSION_NOT_READY: {
    exitStatus: 4,
    summary:
      'The session is not READY (still CREATING, being deleted, or its server is unreachable); ask again when it is.',
  },
  BROKER_NO_SERVER: {
    exitStatus: 7,
    summary:
      'No available server meets the Requirements and has room; set EnqueueRequest to wait, open a server, or add one.',
  },
  BROKER_QUEUE_FULL: {
    exitStatus: 7,
    summary:
      'The create-sessions queue holds create-sessions-queue-max-size requests already; try again later.',
  },
  BROKER_AGENT_FAILED: {
    exitStatus: 7,
    summary:
      'The host agent could not do what was asked, or did not answer in time; the message says which host and why.',
  },
  API_CLIENT_NOT_FOUND: {
    exitStatus: 4,
    summary:
      'No API client has that client id; `dcv-session-manager-broker describe-api-clients` lists them.',
  },
  AGENT_CONFIG_INVALID: {
    exitStatus: 3,
    summary:
      'agent.conf (or a tag file) is missing or has a bad value; the message names file, line and key.',
  },
} as const satisfies Record<string, ErrorSpec>;

export type ErrorCode = keyof typeof errorCatalogue;

/** A failure the user can act on: a stable code plus a message that says what to do. */
export class DcvError extends Error {
  override readonly name = 'DcvError';
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
  }

  get exitStatus(): number {
    return errorCatalogue[this.code].exitStatus;
  }
}

export function isErrorCode(code: string): code is ErrorCode {
  return Object.prototype.hasOwnProperty.call(errorCatalogue, code);
}
