// `dcv license show|check|keygen|issue`: what license this host has and whether it serves a version (the
// upgrade asks before it touches anything), and the issuer's tools to make keys and signed licenses.
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { basename, resolve } from 'node:path';
import { DcvError, errorCatalogue } from '../errors.js';
import { readConfigFile } from '../host/dcv-conf-file.js';
import { parseCalendarDate, formatCalendarDate } from '../license/calendar-date.js';
import { webCryptoEd25519 } from '../license/ed25519.js';
import { formatPrivateKeyFile, formatPublicKeyFile, parsePrivateKeyFile } from '../license/issuer-key.js';
import { generateIssuerKey, issueLicense, issuerKeyFromPkcs8 } from '../license/license-issue.js';
import { parseLicense, type License } from '../license/license-file.js';
import { daysLeft, describeAllowance, describeExpiry } from '../license/license-rules.js';
import {
  defaultLicenseFile,
  evaluateLicense,
  issuersDir,
  type LicenseFileReport,
  type LicenseStatus,
} from '../server/license-gate.js';
import { SERVER_VERSION } from '../version/current.js';
import { parseVersion } from '../version/version.js';
import type { CliCommand, CliIo } from './command.js';
import { callServer } from '../server/control/control-socket.js';
import { parseOptions, requiredOption } from './parse-options.js';

/** `[license] license-file` from dcv.conf; an absent dcv.conf means the default (empty). */
export async function readLicenseFileSetting(io: CliIo): Promise<string> {
  // Other keys' mistakes are `dcv config check`'s business; a bad license-file value reads as its default.
  return readConfigFile(io.paths.configFile, 'defaults').config.license['license-file'];
}

function settingSource(io: CliIo, setting: string, file: string | undefined): string {
  if (file !== undefined) return `license file given on the command line`;
  return setting === ''
    ? `[license] license-file in ${io.paths.configFile} is empty, so ${defaultLicenseFile(io.paths)} is used when present`
    : `[license] license-file in ${io.paths.configFile}: ${setting}`;
}

async function status(
  io: CliIo,
  version: string,
  file: string | undefined,
): Promise<{ setting: string; status: LicenseStatus }> {
  const setting = file === undefined ? await readLicenseFileSetting(io) : resolve(io.cwd, file);
  // `dcv` only looks: starting the evaluation clock is the server's first start's job.
  const s = await evaluateLicense(io.paths, setting, version, new Date(), {
    recordEvaluation: false,
    literalPaths: file !== undefined,
  });
  return { setting, status: s };
}

function licenseLines(lic: License, now: Date): string[] {
  const left = daysLeft(lic, now);
  return [
    `  Licensee:     ${lic.licensee}`,
    `  Product:      ${lic.product}`,
    `  Version:      ${lic.version} (serves opendcv ${lic.version} and earlier)`,
    `  Allows:       ${describeAllowance(lic)}`,
    `  Issued:       ${lic.issued}`,
    `  Expires:      ${lic.expires === 'permanent' ? 'permanent' : `${lic.expires} (UTC)`}`,
    `  Days left:    ${left === null ? 'unlimited (permanent)' : String(left)}`,
    `  Issuer:       ${lic.issuer} (key id ${lic.keyId})`,
  ];
}

function fileBlock(r: LicenseFileReport, version: string, now: Date): string[] {
  const lines = [`License file ${r.path}`];
  if (r.license !== null) lines.push(...licenseLines(r.license, now));
  const why = r.verdict.ok ? '' : r.verdict.reason.replace(`License file ${r.path}: `, '');
  lines.push(
    r.verdict.ok
      ? `  This server:  serves opendcv ${version}`
      : `  This server:  REFUSED (${r.verdict.code}): ${why}`,
  );
  return lines;
}

function jsonStatus(s: LicenseStatus, version: string, now: Date): unknown {
  const lic = (l: License | null): unknown =>
    l === null
      ? null
      : {
          licensee: l.licensee,
          product: l.product,
          version: l.version,
          issued: l.issued,
          expires: l.expires,
          'days-left': daysLeft(l, now),
          'max-sessions': l.maxSessions,
          host: l.host,
          issuer: l.issuer,
          'key-id': l.keyId,
        };
  return {
    'server-version': version,
    mode: s.mode,
    usable: s.usable,
    code: s.code,
    reason: s.reason,
    'max-sessions': s.maxSessions,
    expires: s.expires?.toISOString() ?? null,
    files: s.files.map((f) => ({
      path: f.path,
      ok: f.verdict.ok,
      code: f.verdict.ok ? null : f.verdict.code,
      reason: f.verdict.ok ? null : f.verdict.reason,
      license: lic(f.license),
    })),
    warnings: s.warnings,
  };
}

const showCommand: CliCommand = {
  name: 'license show',
  summary: 'Show the installed license: what it allows, days left, whether it serves this server',
  usage: 'dcv license show [--file FILE] [--json]',
  async run(args, io) {
    const { values } = parseOptions('license show', args, {
      file: { type: 'string' },
      json: { type: 'boolean', short: 'j' },
    });
    const file = values['file'] as string | undefined;
    const now = new Date();
    const { setting, status: s } = await status(io, SERVER_VERSION, file);
    if (values['json'] === true) {
      io.out(`${JSON.stringify(jsonStatus(s, SERVER_VERSION, now), null, 2)}\n`);
      return 0;
    }
    const lines = [
      `opendcv ${SERVER_VERSION}; ${settingSource(io, setting, file)}.`,
      `Mode: ${s.mode}${s.usable ? '' : ` (${s.code ?? 'refused'})`}`,
      s.reason,
    ];
    for (const r of s.files) lines.push('', ...fileBlock(r, SERVER_VERSION, now));
    if (s.mode === 'evaluation' || (s.mode === 'refused' && s.files.length === 0)) {
      lines.push(
        '',
        `To license this host, install a license of version ${parseVersion(SERVER_VERSION).year} or later and name it in [license] license-file.`,
      );
    }
    for (const w of s.warnings) lines.push(`warning: ${w}`);
    io.out(`${lines.join('\n')}\n`);
    return 0;
  },
};

const checkCommand: CliCommand = {
  name: 'license check',
  summary: 'Exit 0 if the license would serve a version (default: this one), else say what to request',
  usage: 'dcv license check [--for-version VERSION] [--file FILE]',
  async run(args, io) {
    const { values } = parseOptions('license check', args, {
      'for-version': { type: 'string' },
      file: { type: 'string' },
    });
    const version = parseVersion((values['for-version'] as string | undefined) ?? SERVER_VERSION);
    const { status: s } = await status(io, version.text, values['file'] as string | undefined);
    if (!s.usable) {
      // The per-file reasons name both versions and the license to request; the gate's preamble about
      // refusing sessions describes a running server, which a check for another version is not.
      const reason = s.reason.replace(
        /^No usable license, so new sessions and connections are refused\. /,
        '',
      );
      throw new DcvError(s.code ?? 'LICENSE_INVALID', reason);
    }
    io.out(`${s.mode === 'licensed' ? `The license serves opendcv ${version.text}. ` : ''}${s.reason}\n`);
    return 0;
  },
};

const keygenCommand: CliCommand = {
  name: 'license keygen',
  summary: 'For license issuers: create an Ed25519 issuer key pair (NAME.key, NAME.pub)',
  usage: 'dcv license keygen --out-dir DIR [--name NAME]',
  async run(args, io) {
    const { values } = parseOptions('license keygen', args, {
      'out-dir': { type: 'string' },
      name: { type: 'string' },
    });
    const outDir = requiredOption('license keygen', 'out-dir', values['out-dir'], 'DIR');
    const name = (values['name'] as string | undefined) ?? 'license-issuer';
    const crypto = webCryptoEd25519();
    const key = await generateIssuerKey(name, crypto);
    const dir = resolve(io.cwd, outDir);
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const keyFile = `${dir}/${name}.key`;
    const pubFile = `${dir}/${name}.pub`;
    // 'wx': never overwrite an existing key; losing an issuer's private key would orphan its licenses.
    const keep = 'choose another --name or --out-dir';
    await writeNew(keyFile, formatPrivateKeyFile(key), 0o600, false, keep);
    // The umask may have widened the mode at creation; a private key is readable by its owner only.
    await chmod(keyFile, 0o600);
    await writeNew(pubFile, formatPublicKeyFile(key), 0o644, false, keep);
    io.out(
      `Created issuer '${name}' (key id ${key.keyId}).\n` +
        `  private key: ${keyFile} (keep it secret, offline and off every server)\n` +
        `  public key:  ${pubFile}\n` +
        `Servers trust licenses from this issuer once ${name}.pub is copied to ${issuersDir(io.paths)}/.\n`,
    );
    return 0;
  },
};

const issueCommand: CliCommand = {
  name: 'license issue',
  summary: 'For license issuers: sign a license file with an issuer key',
  usage:
    'dcv license issue --key KEY --licensee NAME --version YEAR --expires YYYY-MM-DD|permanent\n' +
    '                         --max-sessions N|unlimited [--host HOSTNAME] [--issued YYYY-MM-DD] [--force] -o FILE',
  async run(args, io) {
    const opt = { type: 'string' } as const;
    const { values } = parseOptions('license issue', args, {
      key: opt,
      licensee: opt,
      version: opt,
      expires: opt,
      'max-sessions': opt,
      host: opt,
      issued: opt,
      product: opt,
      output: { type: 'string', short: 'o' },
      force: { type: 'boolean' },
    });
    const need = (n: keyof typeof values): string => requiredOption('license issue', n, values[n]);
    const keyPath = resolve(io.cwd, need('key'));
    const out = resolve(io.cwd, need('output'));
    const versionText = need('version');
    if (!/^\d{4}$/.test(versionText)) {
      throw new DcvError(
        'USAGE',
        `dcv license issue: --version is the license year, e.g. 2026, not '${versionText}'.`,
      );
    }
    const expires = need('expires');
    if (expires !== 'permanent' && parseCalendarDate(expires) === null) {
      throw new DcvError(
        'USAGE',
        `dcv license issue: --expires must be a date YYYY-MM-DD or 'permanent', not '${expires}'.`,
      );
    }
    const maxText = need('max-sessions');
    if (maxText !== 'unlimited' && !/^\d+$/.test(maxText)) {
      throw new DcvError(
        'USAGE',
        `dcv license issue: --max-sessions must be a whole number or 'unlimited', not '${maxText}'.`,
      );
    }
    let keyText: string;
    try {
      keyText = await readFile(keyPath, 'utf8');
    } catch (e) {
      throw new DcvError(
        'ISSUER_KEY_INVALID',
        `Cannot read issuer key ${keyPath}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}.`,
      );
    }
    const crypto = webCryptoEd25519();
    // The issuer's name is the key file's name, as `dcv license keygen` wrote it (NAME.key).
    const key = await issuerKeyFromPkcs8(
      basename(keyPath).replace(/\.key$/, ''),
      parsePrivateKeyFile(keyText, keyPath),
      crypto,
    );
    const text = await issueLicense(
      {
        licensee: need('licensee'),
        product: (values['product'] as string | undefined) ?? 'dcv',
        version: Number(versionText),
        issued: (values['issued'] as string | undefined) ?? formatCalendarDate(new Date()),
        expires,
        maxSessions: maxText === 'unlimited' ? null : Number(maxText),
        host: (values['host'] as string | undefined) ?? null,
      },
      key,
      crypto,
    );
    await writeNew(out, text, 0o644, values['force'] === true, 'move it away or pass --force');
    const lic = parseLicense(text);
    io.out(
      `Wrote ${out} for ${lic.licensee}: ${describeAllowance(lic)}; ${describeExpiry(lic, new Date())}.\n`,
    );
    return 0;
  },
};

async function writeNew(
  path: string,
  text: string,
  mode: number,
  overwrite: boolean,
  ifExists: string,
): Promise<void> {
  try {
    await writeFile(path, text, { mode, flag: overwrite ? 'w' : 'wx' });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') throw new DcvError('USAGE', `${path} already exists; ${ifExists}.`);
    if (code === 'EACCES' || code === 'EPERM')
      throw new DcvError('PERMISSION_DENIED', `Cannot write ${path}: permission denied.`);
    throw new DcvError('INTERNAL', `Cannot write ${path}: ${(e as Error).message}.`);
  }
}

/** DCV's `dcv reload-licenses`: the running server reads its license files again now. */
const reloadCommand: CliCommand = {
  name: 'reload-licenses',
  summary: 'Make the running server read its license files again now (root)',
  usage: 'dcv reload-licenses',
  async run(args, io) {
    parseOptions('reload-licenses', args, {});
    const s = await callServer(io.paths.controlSocket, 'reload-licenses');
    io.out(`${s.reason}\n`);
    return s.usable ? 0 : errorCatalogue.LICENSE_INVALID.exitStatus;
  },
};

export const licenseCommands: CliCommand[] = [
  showCommand,
  checkCommand,
  keygenCommand,
  issueCommand,
  reloadCommand,
];
