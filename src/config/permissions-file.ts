// DCV's permissions files (default.perm, --permissions-file, set-permissions --file): parse, resolve
// `#import`, merge and write back. Pure: files are read through the caller's `read` function.
import { DcvError } from '../errors.js';

/**
 * Every feature name DCV documents (DCV-REFERENCE.md §4); `builtin` stands for all of them. A name outside this
 * list (a newer DCV's) is a warning with file and line and is ignored: never a reason to drop the file.
 */
export const PERMISSION_FEATURES = [
  'audio-in',
  'audio-out',
  'clipboard-copy',
  'clipboard-paste',
  'display',
  'extensions-client',
  'extensions-server',
  'file-download',
  'file-upload',
  'gamepad',
  'keyboard',
  'keyboard-sas',
  'mouse',
  'pointer',
  'printer',
  'screenshot',
  'smartcard',
  'stylus',
  'timezone-redirection',
  'touch',
  'unsupervised-access',
  'usb',
  'webauthn-redirection',
  'webcam',
] as const;
export type PermissionFeature = (typeof PERMISSION_FEATURES)[number];
export const BUILTIN = 'builtin';

export type PermissionRule = 'allow' | 'disallow' | 'deny';

/** Who a line or a group member names. `owner` and `any` occur only as the actor of a permission line. */
export type Actor =
  | { readonly kind: 'owner' }
  | { readonly kind: 'any' }
  | { readonly kind: 'user'; readonly name: string }
  | { readonly kind: 'group'; readonly name: string }
  | { readonly kind: 'osgroup'; readonly name: string };

export interface PermissionLine {
  readonly actor: Actor;
  readonly rule: PermissionRule;
  /** Feature names, `builtin` or alias names, as written. */
  readonly features: readonly string[];
  /** Where it was written, for messages: `path:line`. */
  readonly where: string;
}

export interface PermissionsDocument {
  readonly groups: ReadonlyMap<string, readonly Actor[]>;
  readonly aliases: ReadonlyMap<string, readonly string[]>;
  /** In file order, imports first: order decides between `allow` and `disallow`. */
  readonly rules: readonly PermissionLine[];
  /** `path:line` where each group (`group:NAME`) and alias (`alias:NAME`) was first defined, for messages. */
  readonly sites?: ReadonlyMap<string, string>;
}

export const EMPTY_PERMISSIONS: PermissionsDocument = { groups: new Map(), aliases: new Map(), rules: [] };

/** DCV's built-in default: only the session owner, with every feature. */
export const BUILTIN_PERMISSIONS: PermissionsDocument = {
  groups: new Map(),
  aliases: new Map(),
  rules: [{ actor: { kind: 'owner' }, rule: 'allow', features: [BUILTIN], where: 'built-in' }],
};

const MAX_IMPORT_DEPTH = 16;
const MAX_FILE_BYTES = 1 << 20;
const NAME = /^[A-Za-z0-9_.@$\\][A-Za-z0-9_.@$\\-]*$/;
const FEATURE_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;

function invalid(where: string, message: string): DcvError {
  return new DcvError('PERMISSIONS_INVALID', `${where}: ${message}`);
}

interface Parsed {
  readonly imports: { readonly path: string; readonly where: string }[];
  readonly doc: PermissionsDocument;
}

/** Parses one file's text, leaving its `#import` lines to the caller. */
export function parsePermissionsText(text: string, file: string): Parsed {
  if (text.length > MAX_FILE_BYTES) throw invalid(file, `is larger than ${MAX_FILE_BYTES} bytes`);
  const groups = new Map<string, Actor[]>();
  const aliases = new Map<string, string[]>();
  const rules: PermissionLine[] = [];
  const sites = new Map<string, string>();
  const imports: { path: string; where: string }[] = [];
  let section: 'groups' | 'aliases' | 'permissions' | null = null;
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  lines.forEach((raw, i) => {
    const where = `${file}:${i + 1}`;
    const line = raw.trim();
    if (line === '') return;
    const imp = /^#import\s+(.+)$/i.exec(line);
    if (imp !== null) {
      if (section !== null) throw invalid(where, '#import lines must come before the first [section]');
      const path = imp[1]!.trim().replace(/^<(.*)>$/, '$1').replace(/^"(.*)"$/, '$1');
      if (path === '') throw invalid(where, '#import names no file');
      imports.push({ path, where });
      return;
    }
    if (line.startsWith(';') || line.startsWith('#')) return;
    const header = /^\[([^\]]*)\]$/.exec(line);
    if (header !== null) {
      const name = header[1]!.trim().toLowerCase();
      if (name !== 'groups' && name !== 'aliases' && name !== 'permissions') {
        throw invalid(where, `unknown section [${header[1]}]; a permissions file has [groups], [aliases] and [permissions]`);
      }
      section = name;
      return;
    }
    if (section === null) throw invalid(where, 'a line outside any section; start with [groups], [aliases] or [permissions]');
    if (section === 'permissions') {
      rules.push(parseRuleLine(line, where));
      return;
    }
    const eq = line.indexOf('=');
    if (eq < 0) throw invalid(where, `expected NAME = ${section === 'groups' ? 'MEMBER, …' : 'FEATURE, …'}`);
    const key = line.slice(0, eq).trim();
    const values = line
      .slice(eq + 1)
      .split(',')
      .map((v) => v.trim())
      .filter((v) => v !== '');
    if (section === 'groups') {
      // The shipped default.perm's example writes the group as `group:NAME = …`; both forms name it.
      const name = key.replace(/^group:/i, '');
      if (!NAME.test(name)) throw invalid(where, `'${key}' is not a group name`);
      const members = values.map((v) => parseMember(v, where));
      groups.set(name, [...(groups.get(name) ?? []), ...members]);
      if (!sites.has(`group:${name}`)) sites.set(`group:${name}`, where);
    } else {
      if (!FEATURE_NAME.test(key)) throw invalid(where, `'${key}' is not an alias name`);
      if (key === BUILTIN || (PERMISSION_FEATURES as readonly string[]).includes(key)) {
        throw invalid(where, `'${key}' is a feature; an alias needs a name of its own`);
      }
      for (const v of values) if (!FEATURE_NAME.test(v)) throw invalid(where, `'${v}' is not a feature or alias name`);
      aliases.set(key, [...(aliases.get(key) ?? []), ...values]);
      if (!sites.has(`alias:${key}`)) sites.set(`alias:${key}`, where);
    }
  });
  return { imports, doc: { groups, aliases, rules, sites } };
}

function parseActorToken(token: string, where: string, asMember: boolean): Actor {
  const lower = token.toLowerCase();
  if (!asMember && lower === '%owner%') return { kind: 'owner' };
  if (!asMember && lower === '%any%') return { kind: 'any' };
  const m = /^(user|group|osgroup):(.*)$/i.exec(token);
  const kind = (m?.[1]?.toLowerCase() ?? 'user') as 'user' | 'group' | 'osgroup';
  const name = m === null ? token : m[2]!.trim();
  if (!NAME.test(name)) {
    throw invalid(where, `'${token}' is not a user, group:NAME or osgroup:NAME${asMember ? '' : ', %owner% or %any%'}`);
  }
  return { kind, name };
}

function parseMember(token: string, where: string): Actor {
  return parseActorToken(token, where, true);
}

function parseRuleLine(line: string, where: string): PermissionLine {
  const words = line.split(/\s+/);
  if (words.length < 3) throw invalid(where, 'expected ACTOR allow|disallow|deny FEATURE [FEATURE…]');
  const actor = parseActorToken(words[0]!, where, false);
  const rule = words[1]!.toLowerCase();
  if (rule !== 'allow' && rule !== 'disallow' && rule !== 'deny') {
    throw invalid(where, `'${words[1]}' is not a rule; use allow, disallow or deny`);
  }
  const features = words.slice(2).map((w) => w.replace(/,$/, '')).filter((w) => w !== '');
  for (const f of features) if (!FEATURE_NAME.test(f)) throw invalid(where, `'${f}' is not a feature or alias name`);
  return { actor, rule, features: features.map((f) => f.toLowerCase()), where };
}

/** Later documents' groups and aliases add to earlier ones; rules follow in order. */
export function mergePermissions(...docs: PermissionsDocument[]): PermissionsDocument {
  const groups = new Map<string, Actor[]>();
  const aliases = new Map<string, string[]>();
  const rules: PermissionLine[] = [];
  const sites = new Map<string, string>();
  for (const d of docs) {
    for (const [k, v] of d.groups) groups.set(k, [...(groups.get(k) ?? []), ...v]);
    for (const [k, v] of d.aliases) aliases.set(k, [...(aliases.get(k) ?? []), ...v]);
    rules.push(...d.rules);
    for (const [k, v] of d.sites ?? []) if (!sites.has(k)) sites.set(k, v);
  }
  return { groups, aliases, rules, sites };
}

/**
 * Reads `entry` and every file it imports (relative paths from the importing file's folder), in the order
 * DCV applies them: an import's lines before the lines of the file that imports it.
 */
export function loadPermissions(entry: string, read: (path: string) => string): PermissionsDocument {
  const docs: PermissionsDocument[] = [];
  const visit = (path: string, chain: readonly string[], where: string): void => {
    if (chain.includes(path)) throw invalid(where, `#import cycle: ${[...chain, path].join(' → ')}`);
    if (chain.length >= MAX_IMPORT_DEPTH) throw invalid(where, `#import nesting deeper than ${MAX_IMPORT_DEPTH}`);
    let text: string;
    try {
      text = read(path);
    } catch (e) {
      if (e instanceof DcvError) throw e;
      const detail = e instanceof Error ? e.message.replace(/^[A-Z]+: /, '') : String(e);
      throw new DcvError('PERMISSIONS_UNREADABLE', `${chain.length === 0 ? '' : `${where}: `}cannot read ${path}: ${detail}`);
    }
    const parsed = parsePermissionsText(text, path);
    for (const imp of parsed.imports) visit(resolvePath(dirnameOf(path), imp.path), [...chain, path], imp.where);
    docs.push(parsed.doc);
  };
  visit(entry, [], entry);
  return mergePermissions(...docs);
}

/**
 * Checks that every group is defined and aliases have no cycles, so a typo in a group cannot silently fail to
 * deny; `base` supplies groups and aliases the document may use (default.perm). Feature names that are neither
 * DCV's nor an alias are returned as warnings (`path:line: …`): DCV adds features, and a file written for a
 * newer DCV must keep its other rules, its `deny` lines above all.
 */
export function validatePermissions(
  doc: PermissionsDocument,
  base: PermissionsDocument = EMPTY_PERMISSIONS,
): string[] {
  const all = mergePermissions(base, doc);
  const warnings: string[] = [];
  const unknown = (where: string) => (name: string) =>
    warnings.push(`${where}: warning: unknown permission feature '${name}', ignored (not one DCV or this opendcv knows)`);
  for (const [name, members] of doc.groups) {
    const where = doc.sites?.get(`group:${name}`) ?? `[groups] ${name}`;
    for (const m of members) {
      if (m.kind === 'group' && !all.groups.has(m.name)) throw invalid(where, `group '${m.name}' is not defined`);
    }
  }
  for (const name of doc.aliases.keys()) {
    const where = doc.sites?.get(`alias:${name}`) ?? `[aliases] ${name}`;
    expandFeatures([name], all.aliases, where, unknown(where));
  }
  for (const r of doc.rules) {
    if (r.actor.kind === 'group' && !all.groups.has(r.actor.name)) {
      throw invalid(r.where, `group '${r.actor.name}' is not defined in [groups]`);
    }
    expandFeatures(r.features, all.aliases, r.where, unknown(r.where));
  }
  return [...new Set(warnings)];
}

/** The features a list of feature, `builtin` and alias names stands for; unknown names add nothing. */
export function expandFeatures(
  names: readonly string[],
  aliases: ReadonlyMap<string, readonly string[]>,
  where: string,
  onUnknown: (name: string) => void = () => {},
): Set<PermissionFeature> {
  const out = new Set<PermissionFeature>();
  const walk = (name: string, chain: readonly string[]): void => {
    if (name === BUILTIN) {
      for (const f of PERMISSION_FEATURES) out.add(f);
      return;
    }
    if ((PERMISSION_FEATURES as readonly string[]).includes(name)) {
      out.add(name as PermissionFeature);
      return;
    }
    const alias = aliases.get(name);
    if (alias === undefined) {
      onUnknown(name);
      return;
    }
    if (chain.includes(name)) throw invalid(where, `alias cycle: ${[...chain, name].join(' → ')}`);
    for (const n of alias) walk(n, [...chain, name]);
  };
  for (const n of names) walk(n, []);
  return out;
}

function actorText(a: Actor): string {
  switch (a.kind) {
    case 'owner':
      return '%owner%';
    case 'any':
      return '%any%';
    case 'user':
      return a.name;
    default:
      return `${a.kind}:${a.name}`;
  }
}

/** The document as one self-contained permissions file (imports already inlined). */
export function serializePermissions(doc: PermissionsDocument): string {
  const out: string[] = ['[groups]'];
  for (const [name, members] of doc.groups) out.push(`${name} = ${members.map(actorText).join(', ')}`);
  out.push('', '[aliases]');
  for (const [name, features] of doc.aliases) out.push(`${name} = ${features.join(', ')}`);
  out.push('', '[permissions]');
  for (const r of doc.rules) out.push(`${actorText(r.actor)} ${r.rule} ${r.features.join(' ')}`);
  return `${out.join('\n')}\n`;
}

function dirnameOf(path: string): string {
  const i = path.lastIndexOf('/');
  return i < 0 ? '.' : i === 0 ? '/' : path.slice(0, i);
}

/** POSIX-style join of a folder and a relative or absolute path, with `.` and `..` folded. */
export function resolvePath(dir: string, path: string): string {
  const joined = path.startsWith('/') ? path : `${dir}/${path}`;
  const parts: string[] = [];
  for (const p of joined.split('/')) {
    if (p === '' || p === '.') continue;
    if (p === '..') parts.pop();
    else parts.push(p);
  }
  return `${joined.startsWith('/') ? '/' : ''}${parts.join('/')}`;
}

/**
 * A permissions file as `dcv` sends it: the file and every file it imports, read by `dcv` as the calling user
 * (so nobody can make dcvserver read a file they cannot read themselves), keyed by absolute path.
 */
export interface PermissionSources {
  readonly entry: string;
  readonly files: Readonly<Record<string, string>>;
}

/**
 * A permissions file and everything it imports, read with `read` (as whoever calls it) and parsed once so
 * syntax errors surface before the sources travel anywhere.
 */
export function collectPermissionSources(entry: string, read: (path: string) => string): PermissionSources {
  const files: Record<string, string> = {};
  loadPermissions(entry, (p) => (files[p] = read(p)));
  return { entry, files };
}

/** Parses what `dcv` sent; any other shape is PERMISSIONS_INVALID. */
export function permissionsFromSources(value: unknown): PermissionsDocument {
  const v = value as Partial<PermissionSources> | null;
  if (
    typeof v !== 'object' ||
    v === null ||
    typeof v.entry !== 'string' ||
    typeof v.files !== 'object' ||
    v.files === null ||
    Object.values(v.files).some((t) => typeof t !== 'string')
  ) {
    throw new DcvError('PERMISSIONS_INVALID', 'The permissions arrived in an unexpected shape; use the dcv of this release.');
  }
  const files = v.files;
  return loadPermissions(v.entry, (path) => {
    const text = Object.prototype.hasOwnProperty.call(files, path) ? files[path] : undefined;
    if (text === undefined) throw new Error('not sent by dcv');
    return text;
  });
}
