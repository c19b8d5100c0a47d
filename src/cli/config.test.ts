import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  dcvSchema,
  encodeGVariant,
  entriesFromSettings,
  NO_EFFECT,
  writeRegExportFromEntries,
  type AnyKeySpec,
} from '../config/index.js';
import { DcvError } from '../errors.js';
import { hostPaths } from '../host-paths.js';
import type { CliIo } from './command.js';
import { configCheck, configCommands, configDiff, getConfig, setConfig } from './config.js';

function sandbox(): {
  root: string;
  io: CliIo & { stdout: () => string; stderr: () => string };
  done: () => void;
} {
  const root = mkdtempSync(join(tmpdir(), 'dcv-config-cli-'));
  let out = '';
  let err = '';
  const io = {
    out: (t: string) => void (out += t),
    err: (t: string) => void (err += t),
    env: {},
    paths: hostPaths(root),
    cwd: root,
    stdout: () => out,
    stderr: () => err,
  };
  return { root, io, done: () => rmSync(root, { recursive: true, force: true }) };
}

test('the config family registers check, diff, set-config and get-config', () => {
  assert.deepEqual(
    configCommands.map((c) => c.name),
    ['config check', 'config diff', 'set-config', 'get-config'],
  );
});

test('set-config changes one key in place, canonically, keeping comments, order and the file mode', async () => {
  const s = sandbox();
  try {
    mkdirSync(s.io.paths.etcDir, { recursive: true });
    const before = '# site settings\n[security]\nauthentication=none\n\n[log]\nlevel = "info"\n';
    writeFileSync(s.io.paths.configFile, before, { mode: 0o600 });
    assert.equal(await setConfig.run(['--section', 'log', '--key', 'level', "'debug'"], s.io), 0);
    assert.equal(
      await setConfig.run(['--section', 'security', '--key', 'authentication', 'system'], s.io),
      0,
    );
    assert.equal(await setConfig.run(['--section', 'display', '--key', 'target-fps', '30'], s.io), 0);
    assert.equal(
      readFileSync(s.io.paths.configFile, 'utf8'),
      "# site settings\n[security]\nauthentication='system'\n\n[log]\nlevel = 'debug'\n\n[display]\ntarget-fps=30\n",
    );
    assert.equal(statSync(s.io.paths.configFile).mode & 0o777, 0o600);
    assert.equal(s.io.stdout(), '', 'silent on success, like DCV');

    // get-config reads back what the server will use; keys the file leaves alone show their default, commented.
    await getConfig.run(['--section', 'log', '--key', 'level'], s.io);
    assert.equal(s.io.stdout(), "'debug'\n");
    await getConfig.run(['--all'], s.io);
    const all = s.io.stdout();
    assert.match(all, /^\[connectivity\]\n#web-port=8443\n/m);
    assert.match(all, /^\[display\]\n(#.*\n)*target-fps=30\n/m);
    assert.match(all, /^#web-listen-endpoints=\['0\.0\.0\.0', '::'\]$/m);
  } finally {
    s.done();
  }
});

test('set-config refuses a bad value or an unknown key and leaves dcv.conf byte for byte as it was', async () => {
  const s = sandbox();
  try {
    mkdirSync(s.io.paths.etcDir, { recursive: true });
    const before = '[connectivity]\nweb-port=8443\n';
    writeFileSync(s.io.paths.configFile, before);
    const refused = async (args: string[], code: string, message: RegExp): Promise<void> => {
      await assert.rejects(setConfig.run(args, s.io), (e: unknown) => {
        assert.ok(e instanceof DcvError && e.code === code, String(e));
        assert.match((e as Error).message, message);
        return true;
      });
      assert.equal(readFileSync(s.io.paths.configFile, 'utf8'), before);
    };
    await refused(
      ['--section', 'connectivity', '--key', 'web-port', 'lots'],
      'CONFIG_INVALID',
      /web-port: lots is not an integer/,
    );
    await refused(['--section', 'connectivity', '--key', 'web-port', '80'], 'CONFIG_INVALID', /web-port/);
    await refused(
      ['--section', 'connectivity', '--key', 'no-such-key', '1'],
      'USAGE',
      /\[connectivity\] no-such-key is not a dcv.conf key/,
    );
    await refused(['--key', 'web-port', '8444'], 'USAGE', /--section SECTION is required/);
    await refused(['--section', 'connectivity', '--key', 'web-port'], 'USAGE', /missing VALUE/);
  } finally {
    s.done();
  }
});

test('config check on the configured dcv.conf: warnings printed, then valid', async () => {
  const s = sandbox();
  try {
    mkdirSync(s.io.paths.etcDir, { recursive: true });
    writeFileSync(
      s.io.paths.configFile,
      '[connectivity]\nweb-port = 8444\n[security]\nmax-concurrent-clients=2\n',
    );
    const status = await configCheck.run([], s.io);
    assert.equal(status, 0);
    assert.equal(
      s.io.stdout(),
      `${s.io.paths.configFile}:4: warning: [security] max-concurrent-clients: unknown key, ignored (it belongs in [session-management] or [session-management/automatic-console-session])\n` +
        'dcv.conf is valid\n',
    );
  } finally {
    s.done();
  }
});

test('config check with errors prints each and fails with CONFIG_INVALID', async () => {
  const s = sandbox();
  try {
    writeFileSync(join(s.root, 'bad.conf'), '[connectivity]\nweb-port=70000\n[log]\nlevel = loud\n');
    await assert.rejects(configCheck.run(['bad.conf'], s.io), (e: unknown) => {
      assert.ok(e instanceof DcvError);
      assert.equal(e.code, 'CONFIG_INVALID');
      assert.equal(e.exitStatus, 3);
      assert.match(e.message, /has 2 errors/);
      return true;
    });
    const file = join(s.root, 'bad.conf');
    assert.equal(
      s.io.stdout(),
      `${file}:2: [connectivity] web-port: 70000 is out of range (1024-65535)\n` +
        `${file}:4: [log] level: 'loud' is not one of: error, warn, info, debug\n`,
    );
  } finally {
    s.done();
  }
});

test('config check on a file that sets every DCV key names each key that has no effect, and passes', async () => {
  const s = sandbox();
  try {
    const lines: string[] = [];
    const inert: string[] = [];
    for (const [section, keys] of Object.entries(dcvSchema)) {
      lines.push(`[${section}]`);
      for (const [key, spec] of Object.entries(keys) as [string, AnyKeySpec][]) {
        lines.push(`${key} = ${encodeGVariant(spec, spec.default)}`);
        if (!spec.acts && spec.deprecated !== true) inert.push(`[${section}] ${key}`);
      }
    }
    writeFileSync(join(s.root, 'every.conf'), `${lines.join('\n')}\n`);
    assert.equal(await configCheck.run(['every.conf'], s.io), 0);
    const said = s.io
      .stdout()
      .split('\n')
      .filter((l) => l.endsWith(`: ${NO_EFFECT}`))
      .map((l) => /warning: (\[[^\]]+\] [a-z0-9-]+):/.exec(l)?.[1]);
    assert.deepEqual(said, inert);
    assert.ok(said.includes('[clipboard] enabled'));
    assert.ok(!s.io.stdout().includes('[connectivity] web-port:'));
    assert.match(s.io.stdout(), /dcv\.conf is valid\n$/);
  } finally {
    s.done();
  }
});

test('config check reports a line that is not UTF-8 by its number', async () => {
  const s = sandbox();
  try {
    const bytes = Buffer.concat([
      Buffer.from('[log]\nlevel = info\n# caf'),
      Buffer.from([0xe9]),
      Buffer.from('\n'),
    ]);
    writeFileSync(join(s.root, 'latin1.conf'), bytes);
    await assert.rejects(configCheck.run(['latin1.conf'], s.io), /has 1 error/);
    assert.match(s.io.stdout(), /latin1\.conf:3: this line is not valid UTF-8/);
  } finally {
    s.done();
  }
});

test('config check: a missing default file means the defaults; a missing named file is CONFIG_UNREADABLE', async () => {
  const s = sandbox();
  try {
    assert.equal(await configCheck.run([], s.io), 0);
    assert.match(s.io.stdout(), /does not exist; the defaults apply/);
    await assert.rejects(
      configCheck.run(['nope.conf'], s.io),
      (e: unknown) => e instanceof DcvError && e.code === 'CONFIG_UNREADABLE',
    );
    await assert.rejects(
      configCheck.run(['a', 'b'], s.io),
      (e: unknown) => e instanceof DcvError && e.code === 'USAGE',
    );
  } finally {
    s.done();
  }
});

test('config check accepts a .reg export', async () => {
  const s = sandbox();
  try {
    writeFileSync(
      join(s.root, 'dcv.reg'),
      writeRegExportFromEntries(entriesFromSettings({ log: { level: 'debug' } })),
    );
    assert.equal(await configCheck.run(['dcv.reg'], s.io), 0);
    assert.equal(s.io.stdout(), 'registry export is valid\n');
  } finally {
    s.done();
  }
});

test('config diff: identical, equal in meaning, and different', async () => {
  const s = sandbox();
  try {
    writeFileSync(
      join(s.root, 'a.conf'),
      "[connectivity]\nweb-port=8443\n[security]\nauthentication='none'\n",
    );
    writeFileSync(
      join(s.root, 'a-copy.conf'),
      "[connectivity]\nweb-port=8443\n[security]\nauthentication='none'\n",
    );
    writeFileSync(
      join(s.root, 'a-spaced.conf'),
      '# same\n[security]\nauthentication = none\n[connectivity]\nweb-port = 8443\n',
    );
    writeFileSync(join(s.root, 'b.conf'), "[connectivity]\nweb-port=8444\n[log]\nlevel='debug'\n");

    assert.equal(await configDiff.run(['a.conf', 'a-copy.conf'], s.io), 0);
    assert.equal(s.io.stdout(), 'identical\n');

    const spaced = sandbox();
    try {
      assert.equal(
        await configDiff.run([join(s.root, 'a.conf'), join(s.root, 'a-spaced.conf')], spaced.io),
        0,
      );
      assert.match(spaced.io.stdout(), /^equal in meaning/);
    } finally {
      spaced.done();
    }

    const diff = sandbox();
    try {
      assert.equal(await configDiff.run([join(s.root, 'a.conf'), join(s.root, 'b.conf')], diff.io), 1);
      assert.equal(
        diff.io.stdout(),
        "[connectivity] web-port: 8443 -> 8444\n+ [log] level = 'debug'\n- [security] authentication = 'none'\n",
      );
    } finally {
      diff.done();
    }
  } finally {
    s.done();
  }
});

test('config diff: a dcv.conf against a .reg export of the same settings', async () => {
  const s = sandbox();
  try {
    writeFileSync(
      join(s.root, 'dcv.conf'),
      "[session-management/automatic-console-session]\nowner = 'administrator'\n[connectivity]\nweb-port=8443\n",
    );
    writeFileSync(
      join(s.root, 'dcv.reg'),
      writeRegExportFromEntries(
        entriesFromSettings({
          connectivity: { 'web-port': 8443 },
          'session-management/automatic-console-session': { owner: 'administrator' },
        }),
      ),
    );
    assert.equal(await configDiff.run(['dcv.conf', 'dcv.reg'], s.io), 0);
    assert.match(s.io.stdout(), /^equal in meaning/);
    await assert.rejects(
      configDiff.run(['dcv.conf'], s.io),
      (e: unknown) => e instanceof DcvError && e.code === 'USAGE',
    );
  } finally {
    s.done();
  }
});

test('config check checks default.perm too: unknown features are warnings with file:line, other errors fail', async () => {
  const s = sandbox();
  try {
    mkdirSync(join(s.root, 'etc/dcv'), { recursive: true });
    const perm = join(s.root, 'etc/dcv/default.perm');
    writeFileSync(perm, '[permissions]\n%any% allow builtin\n%any% deny webauthn-redirection usb-hologram\n');
    assert.equal(await configCheck.run([], s.io), 0);
    assert.equal(
      s.io.stdout(),
      `${join(s.root, 'etc/dcv/dcv.conf')} does not exist; the defaults apply\n` +
        `${perm}:3: warning: unknown permission feature 'usb-hologram', ignored (not one DCV or this opendcv knows)\n`,
    );
    writeFileSync(perm, '[permissions]\n%any% allow builtin\nbob maybe display\n');
    await assert.rejects(configCheck.run([], s.io), (e: unknown) => e instanceof DcvError && e.code === 'PERMISSIONS_INVALID');
    assert.match(s.io.stdout(), new RegExp(`${perm}:3: 'maybe' is not a rule`));
  } finally {
    s.done();
  }
});
