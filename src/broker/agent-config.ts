// The host agent's configuration: agent.conf with DCV Session Manager's keys ([agent] broker_host, broker_port,
// ca_file, tls_strict, tags_folder, max_virtual_sessions; [log] level), and its tag files (*.toml: key = "value").
// Both are the small TOML subset DCV SM documents. Pure: text in, values or every bad line named out.

export interface AgentConfig {
  /** DCV SM names one broker; opendcv also takes a comma-separated list and fails over in order. */
  readonly brokers: readonly { readonly host: string; readonly port: number }[];
  readonly caFile: string;
  readonly tlsStrict: boolean;
  readonly tagsFolder: string;
  /** Where createSessions' InitFile names are looked up (DCV SM's init_folder). */
  readonly initFolder: string;
  /** 0: only dcv.conf's max-concurrent-sessions limits the host. */
  readonly maxVirtualSessions: number;
  readonly logLevel: string;
}

type TomlValue = string | number | boolean;

interface TomlEntry {
  readonly section: string;
  readonly key: string;
  readonly value: TomlValue;
  readonly line: number;
}

/** `[section]`, `key = 'text' | "text" | 123 | true`, `#` comments; anything else is an error naming the line. */
export function parseTomlSubset(text: string, file: string): { entries: TomlEntry[]; errors: string[] } {
  const entries: TomlEntry[] = [];
  const errors: string[] = [];
  let section = '';
  text.split(/\r\n|\n|\r/).forEach((raw, i) => {
    const line = i + 1;
    const t = raw.trim();
    if (t === '' || t.startsWith('#')) return;
    const header = /^\[\s*([A-Za-z0-9_.-]+)\s*\]\s*(#.*)?$/.exec(t);
    if (header !== null) {
      section = header[1]!;
      return;
    }
    const kv = /^([A-Za-z0-9_-]+)\s*=\s*(.*)$/.exec(t);
    if (kv === null) {
      errors.push(`${file}:${line}: expected 'key = value' or '[section]'`);
      return;
    }
    const key = kv[1]!;
    const v = kv[2]!;
    let value: TomlValue | undefined;
    let m: RegExpExecArray | null;
    if ((m = /^'([^']*)'\s*(#.*)?$/.exec(v)) !== null) value = m[1]!;
    else if ((m = /^"((?:[^"\\]|\\.)*)"\s*(#.*)?$/.exec(v)) !== null)
      value = m[1]!.replace(
        /\\(["\\nt])/g,
        (_, c: string) => (({ n: '\n', t: '\t' }) as Record<string, string>)[c] ?? c,
      );
    else if ((m = /^(-?\d+)\s*(#.*)?$/.exec(v)) !== null) value = Number(m[1]);
    else if ((m = /^(true|false)\s*(#.*)?$/.exec(v)) !== null) value = m[1] === 'true';
    if (value === undefined)
      errors.push(`${file}:${line}: ${key}: '${v}' is not a quoted string, a number or true/false`);
    else entries.push({ section, key, value, line });
  });
  return { entries, errors };
}

const AGENT_KEYS: Record<string, readonly string[]> = {
  agent: [
    'broker_host',
    'broker_port',
    'ca_file',
    'tls_strict',
    'tags_folder',
    'init_folder',
    'max_virtual_sessions',
  ],
  log: ['level', 'directory'],
};

export type AgentConfigResult =
  | { readonly ok: true; readonly config: AgentConfig; readonly warnings: readonly string[] }
  | { readonly ok: false; readonly errors: readonly string[] };

export function loadAgentConfig(
  text: string,
  file: string,
  defaults: { tagsFolder: string; initFolder: string },
): AgentConfigResult {
  const { entries, errors } = parseTomlSubset(text, file);
  const warnings: string[] = [];
  const get = new Map<string, TomlEntry>();
  for (const e of entries) {
    if (AGENT_KEYS[e.section]?.includes(e.key) !== true)
      warnings.push(`${file}:${e.line}: unknown key '[${e.section}] ${e.key}' is ignored`);
    else get.set(`${e.section}.${e.key}`, e);
  }
  const typed = <T extends TomlValue>(k: string, type: 'string' | 'number' | 'boolean', fallback: T): T => {
    const e = get.get(k);
    if (e === undefined) return fallback;
    if (typeof e.value !== type) {
      errors.push(
        `${file}:${e.line}: ${e.key}: expected ${type === 'string' ? 'a quoted string' : type === 'number' ? 'a number' : 'true or false'}`,
      );
      return fallback;
    }
    return e.value as T;
  };
  const hostList = typed('agent.broker_host', 'string', '');
  const port = typed('agent.broker_port', 'number', 8445);
  const brokers: { host: string; port: number }[] = [];
  for (const item of hostList
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')) {
    const m = /^(\[[^\]]+\]|[A-Za-z0-9._-]+)(?::(\d{1,5}))?$/.exec(item);
    if (m === null)
      errors.push(
        `${file}:${get.get('agent.broker_host')!.line}: broker_host: '${item}' is not a host name or address`,
      );
    else
      brokers.push({ host: m[1]!.replace(/^\[|\]$/g, ''), port: m[2] !== undefined ? Number(m[2]) : port });
  }
  if (get.get('agent.broker_host') === undefined)
    errors.push(`${file}: [agent] broker_host is required (the broker's host name or address)`);
  if (port < 1 || port > 65535)
    errors.push(
      `${file}:${get.get('agent.broker_port')!.line}: broker_port: ${port} is out of range (1-65535)`,
    );
  const maxVirtualSessions = typed('agent.max_virtual_sessions', 'number', 0);
  if (maxVirtualSessions < 0)
    errors.push(
      `${file}:${get.get('agent.max_virtual_sessions')!.line}: max_virtual_sessions: must be 0 or more`,
    );
  const config: AgentConfig = {
    brokers,
    caFile: typed('agent.ca_file', 'string', ''),
    tlsStrict: typed('agent.tls_strict', 'boolean', true),
    tagsFolder: typed('agent.tags_folder', 'string', defaults.tagsFolder),
    initFolder: typed('agent.init_folder', 'string', defaults.initFolder),
    maxVirtualSessions,
    logLevel: typed('log.level', 'string', 'info'),
  };
  return errors.length > 0 ? { ok: false, errors } : { ok: true, config, warnings };
}

/** One tag file: top-level `key = "value"` lines (numbers and booleans become text, as tags are text). */
export function parseTagFile(text: string, file: string): { tags: Record<string, string>; errors: string[] } {
  const { entries, errors } = parseTomlSubset(text, file);
  const tags: Record<string, string> = {};
  for (const e of entries) {
    if (e.section !== '') errors.push(`${file}:${e.line}: tags are top-level keys, not in [${e.section}]`);
    else tags[e.key] = String(e.value);
  }
  return { tags, errors };
}
