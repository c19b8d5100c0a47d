import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DcvError } from '../errors.js';
import { readServerConfig } from './server-config.js';

// dcvserver reads dcv.conf through the same reader as `dcv config check`, so both name the same lines.
function withFile(bytes: Uint8Array | string, check: (file: string) => void): void {
  const dir = mkdtempSync(join(tmpdir(), 'odcv-fid-conf-'));
  try {
    const file = join(dir, 'dcv.conf');
    writeFileSync(file, bytes);
    check(file);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('dcvserver refuses a dcv.conf with a line that is not UTF-8, naming file and line', () => {
  const bytes = Buffer.concat([
    Buffer.from('[connectivity]\nweb-port = 8443\n# caf'),
    Buffer.from([0xe9, 0x0a]),
  ]);
  withFile(bytes, (file) => {
    assert.throws(
      () => readServerConfig(file),
      (e: unknown) =>
        e instanceof DcvError &&
        e.code === 'CONFIG_INVALID' &&
        e.message.startsWith(`${file}:3: this line is not valid UTF-8\n`),
    );
  });
});

test('dcvserver starts on a real file DCV runs with: WxH and keys without effect are warnings, one per key', () => {
  const text =
    '[display]\nmax-head-resolution = 3840x2160\ntarget-fps = 30\n[clipboard]\nenabled = false\n[audio]\nsource-channels = 3\n';
  withFile(text, (file) => {
    const { config, warnings } = readServerConfig(file);
    assert.equal(config.display['target-fps'], 30);
    assert.deepEqual(warnings, [
      `${file}:2: warning: [display] max-head-resolution: read as (3840, 2160)`,
      `${file}:5: warning: [clipboard] enabled: accepted for compatibility; has no effect in opendcv`,
      `${file}:7: warning: [audio] source-channels: 3 is not one of 2, 4, 6, 8; the default stays; accepted for compatibility; has no effect in opendcv`,
    ]);
  });
});

test('an absent dcv.conf is the defaults, with a warning; an unreadable one is CONFIG_UNREADABLE', () => {
  const dir = mkdtempSync(join(tmpdir(), 'odcv-fid-conf-'));
  try {
    assert.deepEqual(readServerConfig(join(dir, 'nope.conf')).warnings, [
      `${join(dir, 'nope.conf')} does not exist; dcvserver runs on DCV's defaults (web port 8443 on every address)`,
    ]);
    assert.throws(
      () => readServerConfig(dir),
      (e: unknown) => e instanceof DcvError && e.code === 'CONFIG_UNREADABLE',
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a missing dcv.conf gives the defaults and a warning naming the path; a present one gives none', () => {
  const dir = mkdtempSync(join(tmpdir(), 'odcv-missing-conf-'));
  try {
    const file = join(dir, 'dcv.conf');
    const missing = readServerConfig(file);
    assert.equal(missing.config.connectivity['web-port'], 8443);
    assert.equal(missing.warnings.length, 1);
    assert.match(
      missing.warnings[0]!,
      new RegExp(`^${file.replace(/[.]/g, '\\.')} does not exist; dcvserver runs on DCV's defaults`),
    );
    writeFileSync(file, '[connectivity]\nweb-port=8443\n');
    assert.deepEqual(readServerConfig(file).warnings, []);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('an unbalanced quote stops the start, naming file, line and key', () => {
  withFile('[security]\npam-service-name="opendcv\n', (file) => {
    assert.throws(
      () => readServerConfig(file),
      (e: unknown) =>
        e instanceof DcvError &&
        e.code === 'CONFIG_INVALID' &&
        e.message.startsWith(`${file}:2: [security] pam-service-name: "opendcv is not a quoted string`),
    );
  });
});
