// The broker's configuration: session-manager-broker.properties (a Java properties file, as DCV Session
// Manager's) with DCV SM's keys where they apply, typed and checked; every bad line is named (file, line, key).
// Pure: text in, a configuration or the list of what is wrong out.

export interface BrokerConfig {
  readonly clientPort: number;
  readonly clientBindHost: string;
  readonly agentPort: number;
  readonly agentBindHost: string;
  readonly db: {
    readonly host: string;
    readonly port: number;
    readonly database: string;
    readonly user: string;
    readonly password: string;
  };
  readonly connectTokenMinutes: number;
  readonly deleteSessionSeconds: number;
  readonly unreachableServerDeleteSeconds: number;
  readonly queueMaxSize: number;
  readonly queueMaxSeconds: number;
  readonly enableApiYaml: boolean;
  /** opendcv: how often agents heartbeat (the broker tells them) and when a silent one is unreachable. */
  readonly heartbeatSeconds: number;
  readonly heartbeatTimeoutSeconds: number;
  /** opendcv: lifetime of an OAuth2 access token. */
  readonly accessTokenSeconds: number;
}

export interface PropertiesEntry {
  readonly key: string;
  readonly value: string;
  readonly line: number;
}

/** Java .properties: `key=value`, `key: value` or `key value`; `#`/`!` comments; `\` continues a line. */
export function parseProperties(text: string): PropertiesEntry[] {
  const out: PropertiesEntry[] = [];
  const lines = text.replace(/^\uFEFF/, '').split(/\r\n|\n|\r/);
  for (let i = 0; i < lines.length; i++) {
    const line = i + 1;
    let logical = lines[i]!.replace(/^\s+/, '');
    if (logical === '' || logical.startsWith('#') || logical.startsWith('!')) continue;
    while (/(^|[^\\])(\\\\)*\\$/.test(logical) && i + 1 < lines.length)
      logical = logical.slice(0, -1) + lines[++i]!.replace(/^\s+/, '');
    const m = /^((?:\\.|[^=:\s\\])+)\s*[=:\s]?\s*(.*)$/.exec(logical);
    if (m === null) continue;
    const unescape = (s: string): string =>
      s.replace(/\\(u[0-9a-fA-F]{4}|.)/g, (_, e: string) =>
        e.length === 5
          ? String.fromCharCode(parseInt(e.slice(1), 16))
          : (({ t: '\t', n: '\n', r: '\r', f: '\f' } as Record<string, string>)[e] ?? e),
      );
    out.push({ key: unescape(m[1]!), value: unescape(m[2]!.replace(/\s+$/, '')), line });
  }
  return out;
}

export const BROKER_DEFAULTS = {
  'client-to-broker-connector-https-port': '8443',
  'client-to-broker-connector-bind-host': '0.0.0.0',
  'agent-to-broker-connector-https-port': '8445',
  'agent-to-broker-connector-bind-host': '0.0.0.0',
  'enable-persistence': 'true',
  'persistence-db': 'postgresql',
  'jdbc-connection-url': '',
  'jdbc-user': '',
  'jdbc-password': '',
  'connect-session-token-duration-minutes': '60',
  'delete-session-duration-seconds': '3600',
  'seconds-before-deleting-unreachable-dcv-server': '1800',
  'create-sessions-queue-max-size': '1000',
  'create-sessions-queue-max-time-seconds': '1800',
  'enable-api-yaml': 'false',
  'agent-heartbeat-interval-seconds': '10',
  'agent-heartbeat-timeout-seconds': '30',
  'access-token-duration-seconds': '3600',
} as const;
type Key = keyof typeof BROKER_DEFAULTS;

export type BrokerConfigResult =
  | { readonly ok: true; readonly config: BrokerConfig; readonly warnings: readonly string[] }
  | { readonly ok: false; readonly errors: readonly string[] };

export function loadBrokerConfig(text: string, file: string): BrokerConfigResult {
  const errors: string[] = [];
  const warnings: string[] = [];
  const values = new Map<Key, PropertiesEntry>();
  for (const e of parseProperties(text)) {
    if (!(e.key in BROKER_DEFAULTS)) {
      warnings.push(`${file}:${e.line}: unknown key '${e.key}' is ignored`);
      continue;
    }
    if (values.has(e.key as Key)) warnings.push(`${file}:${e.line}: '${e.key}' is set again; this line wins`);
    values.set(e.key as Key, e);
  }
  const raw = (k: Key): string => values.get(k)?.value ?? BROKER_DEFAULTS[k];
  const bad = (k: Key, why: string): void => {
    const e = values.get(k);
    errors.push(`${file}:${e?.line ?? 0}: ${k}: ${why}`);
  };
  const integer = (k: Key, min: number, max: number): number => {
    const v = raw(k);
    if (!/^\d+$/.test(v) || Number(v) < min || Number(v) > max) {
      bad(k, `'${v}' is not a whole number from ${min} to ${max}`);
      return Number(BROKER_DEFAULTS[k]);
    }
    return Number(v);
  };
  const bool = (k: Key): boolean => {
    const v = raw(k).toLowerCase();
    if (v !== 'true' && v !== 'false') bad(k, `'${raw(k)}' is not true or false`);
    return v === 'true';
  };
  const host = (k: Key): string => {
    const v = raw(k);
    if (!/^[A-Za-z0-9.:_-]+$/.test(v)) bad(k, `'${v}' is not a host name or address`);
    return v;
  };

  if (!bool('enable-persistence'))
    bad('enable-persistence', 'opendcv keeps all broker state in PostgreSQL: set it to true');
  if (raw('persistence-db') !== 'postgresql')
    bad('persistence-db', `'${raw('persistence-db')}' is not supported; use postgresql`);
  const url = raw('jdbc-connection-url');
  const m = /^jdbc:postgresql:\/\/([^/:?]+|\[[^\]]+\])(?::(\d{1,5}))?\/([^/?;]+)(?:\?.*)?$/.exec(url);
  if (m === null) {
    bad(
      'jdbc-connection-url',
      url === ''
        ? 'is required, e.g. jdbc:postgresql://127.0.0.1:5432/dcvsm'
        : `'${url}' is not jdbc:postgresql://HOST:PORT/DATABASE`,
    );
  }
  const config: BrokerConfig = {
    clientPort: integer('client-to-broker-connector-https-port', 1, 65535),
    clientBindHost: host('client-to-broker-connector-bind-host'),
    agentPort: integer('agent-to-broker-connector-https-port', 1, 65535),
    agentBindHost: host('agent-to-broker-connector-bind-host'),
    db: {
      host: m?.[1]?.replace(/^\[|\]$/g, '') ?? '',
      port: Number(m?.[2] ?? 5432),
      database: decodeURIComponent(m?.[3] ?? ''),
      user: raw('jdbc-user'),
      password: raw('jdbc-password'),
    },
    connectTokenMinutes: integer('connect-session-token-duration-minutes', 1, 525600),
    deleteSessionSeconds: integer('delete-session-duration-seconds', 0, 31536000),
    unreachableServerDeleteSeconds: integer('seconds-before-deleting-unreachable-dcv-server', 1, 31536000),
    queueMaxSize: integer('create-sessions-queue-max-size', 0, 1000000),
    queueMaxSeconds: integer('create-sessions-queue-max-time-seconds', 1, 31536000),
    enableApiYaml: bool('enable-api-yaml'),
    heartbeatSeconds: integer('agent-heartbeat-interval-seconds', 1, 3600),
    heartbeatTimeoutSeconds: integer('agent-heartbeat-timeout-seconds', 1, 86400),
    accessTokenSeconds: integer('access-token-duration-seconds', 60, 86400),
  };
  if (config.heartbeatTimeoutSeconds <= config.heartbeatSeconds)
    bad(
      'agent-heartbeat-timeout-seconds',
      `must be longer than agent-heartbeat-interval-seconds (${config.heartbeatSeconds})`,
    );
  if (config.clientPort === config.agentPort && config.clientBindHost === config.agentBindHost)
    bad('agent-to-broker-connector-https-port', 'must differ from client-to-broker-connector-https-port');
  return errors.length > 0 ? { ok: false, errors } : { ok: true, config, warnings };
}
