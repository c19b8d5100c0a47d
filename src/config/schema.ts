// The dcv.conf key table: every section and key DCV documents (DCV-REFERENCE.md §2) plus opendcv's
// few extensions, each with type, default, range, reload context and `since`. The config type derives from it.
import {
  acts,
  booleanKey,
  enumKey,
  headersKey,
  integerKey,
  layoutKey,
  resolutionKey,
  stringKey,
  stringListKey,
  type AnyKeySpec,
} from './key-spec.js';

const PORT = { min: 1024, max: 65535 } as const;
const GL_MODES = ['always-on', 'always-off', 'default-on', 'default-off'] as const;

function urlPath(s: string): string | undefined {
  return s.startsWith('/') ? undefined : `'${s}' must start with /`;
}

function regex(s: string): string | undefined {
  try {
    new RegExp(s, 'i');
    return undefined;
  } catch {
    return `'${s}' is not a valid regular expression`;
  }
}

// `:N`, `:N.S` or `host:N`, as X clients take DISPLAY.
function xDisplay(s: string): string | undefined {
  return /^[A-Za-z0-9.-]*:\d+(\.\d+)?$/.test(s) ? undefined : `'${s}' is not an X display such as ':0'`;
}

// `addr`, `addr:port`, `[v6]:port`, `[v6%iface]:port` (web-listen-endpoints).
function endpoint(s: string): string | undefined {
  const m = /^(?:\[([^\]]+)\]|([^:[\]]+|[0-9A-Fa-f:]*:[0-9A-Fa-f:]*))(?::(\d+))?$/.exec(s);
  if (s === '' || m === null)
    return `'${s}' is not an endpoint such as '0.0.0.0', '0.0.0.0:8443' or '[::1]:8443'`;
  const port = m[3];
  if (port !== undefined && m[2]?.includes(':') !== true) {
    const n = Number(port);
    if (n < 1 || n > 65535) return `port ${port} in '${s}' is out of range (1-65535)`;
  }
  return undefined;
}

export const dcvSchema = {
  connectivity: {
    'web-port': acts(
      integerKey(8443, 'server', 'TCP port for HTTPS and WebSocket, used when an endpoint has no port', {
        ...PORT,
        since: '2017.0',
      }),
    ),
    'quic-port': integerKey(8443, 'server', 'UDP port for QUIC', { ...PORT, since: '2020.2' }),
    // DCV enables QUIC by default since 2024.0; opendcv has no QUIC transport, so it stays off unless asked.
    'enable-quic-frontend': booleanKey(
      false,
      'server',
      'enable the QUIC (UDP) transport; opendcv does not implement it',
    ),
    'web-listen-endpoints': acts(
      stringListKey(['0.0.0.0', '::'], 'server', 'addresses (addr[:port]) the HTTPS server listens on', {
        since: '2022.0',
        checkItem: endpoint,
      }),
    ),
    'quic-listen-endpoints': stringListKey(
      ['0.0.0.0', '::'],
      'server',
      'addresses (addr[:port]) QUIC listens on',
      {
        since: '2022.0',
        checkItem: endpoint,
      },
    ),
    'web-url-path': acts(
      stringKey('/', 'server', 'URL path prefix of the web client, starting with /', {
        check: urlPath,
      }),
    ),
    'web-root': stringKey('', 'server', 'document root of the embedded web server (empty = built-in client)'),
    'web-use-hsts': acts(booleanKey(true, 'server', 'send the Strict-Transport-Security header')),
    'web-x-frame-options': acts(
      stringKey('DENY', 'server', 'X-Frame-Options header value', { unverified: true }),
    ),
    'web-extra-http-headers': acts(
      headersKey([], 'server', 'extra HTTP response headers [("name", "value"), ...]'),
    ),
    'idle-timeout': integerKey(
      60,
      'custom',
      'minutes without keyboard or mouse input before a client is disconnected; 0 = never',
      { min: 0 },
    ),
    'idle-timeout-warning': integerKey(
      350,
      'custom',
      'seconds before the idle disconnect to warn the client; 0 = never',
      {
        min: 0,
        since: '2017.4',
      },
    ),
    'ws-keepalive-interval': integerKey(
      10,
      'server',
      'seconds between WebSocket keepalives; 0 disables them',
      { min: 0 },
    ),
    'enable-datagrams-display': stringKey(
      '',
      'server',
      'seen in third-party files (always-off); accepted and ignored',
      { unverified: true },
    ),
    'disconnect-on-logout': booleanKey(
      true,
      'server',
      'disconnect the clients of a session whose user logs out',
      { since: '2024.0', unverified: true },
    ),
  },
  security: {
    authentication: acts(
      enumKey(['system', 'none'], 'system', 'server', 'system = PAM login; none = every client is accepted'),
    ),
    'pam-service-name': acts(
      stringKey('dcv', 'server', 'PAM service used by system authentication (/etc/pam.d/NAME)'),
    ),
    'auth-token-verifier': acts(
      stringKey('', 'server', 'URL of an external token verifier; empty = internal verifier'),
    ),
    'auth-token-verifier-timeout': acts(
      integerKey(100, 'server', 'seconds to wait for the external token verifier', {
        min: 0,
        since: '2023.0',
      }),
    ),
    'no-tls-strict': acts(
      booleanKey(false, 'server', 'do not validate the external verifier certificate strictly'),
    ),
    'ca-file': acts(stringKey('', 'server', 'CA bundle the server trusts (empty = system store)')),
    ciphers: acts(
      stringKey(
        'ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES128-SHA256:ECDHE-RSA-AES256-SHA384',
        'server',
        'OpenSSL cipher list, :-separated',
      ),
    ),
    'os-auto-lock': booleanKey(true, 'session', 'lock the desktop when the last client disconnects'),
    'authentication-threshold': acts(
      integerKey(3, 'server', 'failed logins before the connection is closed; 0 = unlimited', { min: 0 }),
    ),
    'auth-connection-setup-timeout': integerKey(120, 'server', 'seconds allowed for authentication', {
      min: 0,
    }),
    'connection-estab-timeout': integerKey(5, 'server', 'seconds allowed to establish a connection', {
      min: 0,
    }),
    'connection-setup-timeout': integerKey(5, 'server', 'seconds allowed to set up a connection', { min: 0 }),
    'max-connections-per-user': acts(integerKey(10, 'server', 'concurrent connections per user', { min: 0 })),
    'allowed-http-host-regex': acts(
      stringKey('^.+$', 'server', 'Host header allow-list (case-insensitive regular expression), else 403', {
        check: regex,
      }),
    ),
    'allowed-ws-origin-regex': acts(
      stringKey(
        '',
        'server',
        "WebSocket Origin allow-list (case-insensitive regular expression), else 403; empty: only the page's own origin (https:// and the request's Host)",
        {
          check: regex,
        },
      ),
    ),
    'enable-gssapi': booleanKey(false, 'server', 'Kerberos authentication through SASL GSSAPI'),
    'passwd-file': stringKey('', 'server', 'password file for the dcv authentication mode'),
    'server-fqdn': stringKey('', 'server', 'server name (empty = the host name)'),
    'service-name': stringKey('dcv', 'server', 'service name used for GSSAPI'),
    'user-realm': stringKey('', 'server', 'Kerberos realm'),
    'supervision-control': enumKey(
      ['disabled', 'enforced'],
      'disabled',
      'custom',
      'enforced enables the unsupervised-access permission',
      {
        since: '2021.3',
      },
    ),
    'certificate-to-user-file': stringKey('', 'custom', 'certificate-to-user mapping file', {
      since: '2022.0',
    }),
    'crl-file': stringKey('', 'custom', 'certificate revocation list', { since: '2022.0' }),
  },
  'session-management': {
    'create-session': acts(
      booleanKey(false, 'server', 'create the console session `console` when the server starts'),
    ),
    'enable-gl-in-virtual-sessions': enumKey(GL_MODES, 'default-on', 'session', 'OpenGL in virtual sessions'),
    'max-concurrent-clients': acts(
      integerKey(-1, 'session', 'clients per session; -1 = no limit', { min: -1 }),
    ),
    'max-concurrent-sessions': acts(
      integerKey(0, 'server', 'virtual sessions on the server; 0 = no limit', {
        min: 0,
        since: '2019.0',
      }),
    ),
    'max-sessions-per-user': acts(
      integerKey(0, 'server', 'virtual sessions per owner; 0 = no limit', {
        min: 0,
        since: '2021.0',
      }),
    ),
    'virtual-session-xdcv-args': acts(
      stringKey('', 'session', 'extra arguments for the X server of a virtual session'),
    ),
    'virtual-session-source-profile': acts(
      booleanKey(
        false,
        'session',
        'run the session starter with the login profile (else bash --noprofile --norc)',
        {
          since: '2021.3',
        },
      ),
    ),
    'virtual-session-default-layout': acts(
      layoutKey([], 'session', 'screen layout a virtual session starts with'),
    ),
    'virtual-session-font-path': stringKey('', 'session', 'extra X font path'),
    'virtual-session-init': acts(
      stringKey(
        '',
        'session',
        "program a virtual session runs when --init is not given; '' = built-in desktop",
        {
          extension: true,
        },
      ),
    ),
    'console-session-display': acts(
      stringKey(':0', 'server', 'the existing X display a console session attaches to', {
        extension: true,
        check: xDisplay,
      }),
    ),
  },
  'session-management/defaults': {
    'permissions-file': acts(
      stringKey('', 'session', 'permissions merged into every session; empty = /etc/dcv/default.perm'),
    ),
  },
  'session-management/automatic-console-session': {
    owner: acts(
      stringKey('', 'server', 'owner of the automatic console session; empty = the user running the server'),
    ),
    'permissions-file': acts(
      stringKey('', 'server', 'permissions of the console session; empty = only the owner'),
    ),
    'storage-root': acts(
      stringKey('', 'server', 'file-storage folder (%home% allowed); empty disables storage'),
    ),
    'max-concurrent-clients': acts(
      integerKey(-1, 'server', 'clients of the console session; -1 = no limit', {
        min: -1,
      }),
    ),
    'client-eviction-policy': enumKey(
      ['reject-new-connection', 'same-user-oldest-connection'],
      'reject-new-connection',
      'server',
      'what happens when max-concurrent-clients is reached',
      { since: '2022.1' },
    ),
  },
  display: {
    'target-fps': acts(
      integerKey(-1, 'session', 'maximum frames per second; 0 = unlimited, -1 = automatic', {
        min: -1,
      }),
    ),
    'grabber-target-fps': integerKey(0, 'session', 'capture rate; 0 = automatic', { min: 0 }),
    'max-head-resolution': acts(
      resolutionKey([4096, 2160], 'custom', 'largest monitor size a client may request'),
    ),
    'min-head-resolution': acts(
      resolutionKey([640, 480], 'custom', 'smallest monitor size a client may request'),
    ),
    'web-client-max-head-resolution': acts(
      resolutionKey([1920, 1080], 'custom', 'largest monitor size for the web client; (0, 0) = no limit', {
        since: '2020.0',
        allowZero: true,
      }),
    ),
    'max-num-heads': acts(integerKey(4, 'custom', 'monitors per session', { min: 1 })),
    'max-layout-area': acts(
      integerKey(0, 'custom', 'total pixels of a layout; 0 = no limit', {
        min: 0,
        since: '2019.1',
      }),
    ),
    'enable-client-resize': booleanKey(true, 'session', 'let clients set the screen layout'),
    'console-session-default-layout': acts(
      layoutKey([], 'session', 'screen layout applied to a console session at start'),
    ),
    'enable-yuv444-encoding': enumKey(
      GL_MODES,
      'default-off',
      'session',
      'full-colour (YUV 4:4:4) encoding',
      { since: '2022.0' },
    ),
    'enable-qu': booleanKey(true, 'session', 'refine still regions to lossless quality'),
    'max-compressor-threads': integerKey(4, 'session', 'encoder threads', { min: 1 }),
    'use-grabber-dirty-region': booleanKey(true, 'session', 'capture only the regions that changed'),
    'cuda-devices': stringListKey([], 'connection', "GPUs used for encoding, e.g. ['0', '2']"),
    'display-encoders': stringKey('', 'session', 'encoders the server may use (written by cluster tooling)', {
      unverified: true,
    }),
    'enable-console-scaling': booleanKey(false, 'session', 'scale the console screen to the client window', {
      since: '2024.0',
      unverified: true,
    }),
  },
  'display/linux': {
    'gl-displays': stringListKey([':0.0'], 'session', 'X displays used for OpenGL in virtual sessions', {
      checkItem: xDisplay,
    }),
  },
  log: {
    // The packaged file writes "INFO" and older ones "WARNING": matching is case-insensitive and warning means warn.
    level: acts(
      enumKey(['error', 'warn', 'info', 'debug'], 'info', 'custom', 'log verbosity', {
        aliases: { warning: 'warn' },
      }),
    ),
    directory: acts(stringKey('', 'server', 'log folder; empty = /var/log/dcv')),
    rotate: integerKey(10, 'server', 'rotated log files kept; 0 = delete old ones', { min: 0 }),
    'max-file-size': integerKey(0, 'server', 'MB before a log rotates; 0 = only at restart', {
      min: 0,
      since: '2022.1',
    }),
    'rotation-interval': enumKey(
      ['none', 'every-minute', 'every-hour', 'every-day'],
      'none',
      'server',
      'rotate logs on a timer',
      {
        since: '2022.1',
      },
    ),
    'rotation-suffix': enumKey(['counter', 'timestamp'], 'counter', 'server', 'suffix of rotated log files', {
      since: '2022.1',
    }),
    'transfer-audit': enumKey(
      ['none', 'server-to-client', 'client-to-server', 'all'],
      'none',
      'server',
      'file and clipboard transfers written to a CSV audit',
    ),
    'enable-image-audit': booleanKey(false, 'server', 'keep copies of transferred images for audit', {
      since: '2023.0',
    }),
  },
  license: {
    'license-file': acts(
      stringKey(
        '',
        'session',
        'license files (and PORT@HOST servers), :-separated, tried in order; empty = default file',
      ),
    ),
  },
  clipboard: {
    enabled: booleanKey(true, 'session', 'clipboard sharing'),
    'max-image-area': integerKey(-1, 'session', 'largest image (pixels) copied; -1 = no limit', { min: -1 }),
    'max-payload-size': integerKey(
      20971520,
      'session',
      'largest clipboard payload in bytes (at most 20 MB)',
      { min: 0, max: 20971520 },
    ),
    'max-text-len': integerKey(-1, 'session', 'longest text copied; -1 = no limit', { min: -1 }),
    'primary-selection-copy': booleanKey(false, 'session', 'copy the X primary selection to the client'),
    'primary-selection-paste': booleanKey(false, 'session', 'paste into the X primary selection'),
    'update-timeout': integerKey(200, 'session', 'milliseconds between clipboard checks', { min: 0 }),
  },
  input: {
    'enable-autorepeat': booleanKey(true, 'session', 'key auto-repeat'),
    'enable-gamepad': booleanKey(true, 'session', 'gamepad input', { since: '2022.0' }),
    'enable-relative-mouse': booleanKey(true, 'session', 'relative mouse mode'),
    'enable-stylus': booleanKey(true, 'session', 'stylus input'),
    'enable-touch': booleanKey(true, 'session', 'touch input'),
    'mouse-wheel-sensitivity': integerKey(0, 'session', 'mouse wheel sensitivity', {
      since: '2024.0',
      unverified: true,
    }),
  },
  audio: {
    'avsync-support': enumKey(
      ['enabled', 'disabled', 'auto'],
      'auto',
      'session',
      'audio/video synchronisation',
    ),
    'source-channels': integerKey(2, 'session', 'audio channels', { oneOf: [2, 4, 6, 8] }),
  },
  printer: {
    'file-printer-name': stringKey('DCV Printer', 'session', 'name of the virtual printer; empty = none'),
    'use-default-printer': stringKey('client-decides', 'session', 'use the client default printer', {
      platform: 'windows',
    }),
  },
  redirection: {
    'enable-timezone-redirection': enumKey(
      ['always-on', 'always-off', 'client-decides'],
      'client-decides',
      'session',
      'follow the client time zone',
      {
        since: '2022.2',
      },
    ),
  },
  smartcard: {
    'enable-cache': booleanKey(false, 'session', 'cache smart card data', { unverified: true }),
  },
  webcam: {
    'max-resolution': resolutionKey([1280, 720], 'session', 'largest webcam resolution'),
    'preferred-resolution': resolutionKey([640, 480], 'session', 'preferred webcam resolution'),
  },
  windows: {
    'disable-display-sleep': booleanKey(true, 'session', 'keep the display awake', { platform: 'windows' }),
    printer: stringKey('', 'session', 'old printer setting', { platform: 'windows', deprecated: true }),
  },
} as const satisfies Record<string, Record<string, AnyKeySpec>>;

export type DcvSchema = typeof dcvSchema;
export type SectionName = keyof DcvSchema;

/** Sections DCV has whose keys the reference does not list: their keys are reported as not modelled, not as typos. */
export const unmodelledSections: ReadonlySet<string> = new Set(['extensions', 'webauthn', 'metrics']);

export function isSectionName(name: string): name is SectionName {
  return Object.prototype.hasOwnProperty.call(dcvSchema, name);
}

/** The spec of `[section] key`, or undefined for a key DCV does not have. */
export function keySpec(section: string, key: string): AnyKeySpec | undefined {
  if (!isSectionName(section)) return undefined;
  const keys: Record<string, AnyKeySpec> = dcvSchema[section];
  return Object.prototype.hasOwnProperty.call(keys, key) ? keys[key] : undefined;
}

/** `[license] license-file` as a list: DCV separates entries with `:` on Linux (entries may be PORT@HOST). */
export function licenseFileEntries(value: string): string[] {
  return value
    .split(':')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}
