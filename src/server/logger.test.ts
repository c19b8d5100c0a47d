// The server log on real files: one line per record whatever a message holds, floods summarized, and a
// disk that refuses writes (/dev/full) neither throws nor stops the logger.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { escapeLogText, Logger, RATE_LIMIT } from './logger.js';

async function logged(write: (log: Logger) => void): Promise<string[]> {
  const dir = mkdtempSync(join(tmpdir(), 'odcv-logger-'));
  try {
    const log = new Logger(join(dir, 'server.log'), 'info', false);
    write(log);
    await log.close();
    return readFileSync(join(dir, 'server.log'), 'utf8').split('\n').slice(0, -1);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('control characters are escaped, so a message is one line and shows what was sent', () => {
  assert.equal(escapeLogText("a\nUser 'root' logged in\r\tb"), "a\\nUser 'root' logged in\\r\\tb");
  assert.equal(escapeLogText('\u001b[2J\u0000\u007f\u0085\u009b'), '\\x1b[2J\\x00\\x7f\\x85\\x9b');
  assert.equal(escapeLogText('x\u2028y\u2029z\u202e'), 'x\\u2028y\\u2029z\\u202e');
  assert.equal(escapeLogText('café 日本 \\n stays'), 'café 日本 \\n stays');
});

test('a message with newlines is one record in the file', async () => {
  const lines = await logged((log) =>
    log.child('viewer').warn("session 'x\nUser 'root' logged in from 203.0.113.9'"),
  );
  assert.equal(lines.length, 1);
  assert.match(lines[0]!, /WARN {2}viewer - session 'x\\nUser 'root' logged in from 203\.0\.113\.9'$/);
});

test('the same message, or one source, more than RATE_LIMIT times is summarized; others pass', async () => {
  const lines = await logged((log) => {
    for (let i = 0; i < 50; i++) log.info('streaming: the encoder stalled');
    for (let i = 0; i < 50; i++) log.info(`Session 's' is now named 'n${i}'`, 'set-name by uid 1001');
    for (let i = 0; i < 20; i++) log.info(`Session 's${i}' created`);
  });
  assert.equal(lines.filter((l) => l.endsWith(' - streaming: the encoder stalled')).length, RATE_LIMIT);
  assert.equal(lines.filter((l) => / - Session 's' is now named 'n\d+'$/.test(l)).length, RATE_LIMIT);
  assert.equal(lines.filter((l) => /Session 's\d+' created$/.test(l)).length, 20);
  assert.ok(
    lines.some((l) =>
      l.includes(
        `${50 - RATE_LIMIT} similar message(s) suppressed in 10 s; the last: streaming: the encoder stalled`,
      ),
    ),
  );
  assert.ok(
    lines.some((l) =>
      l.includes(
        `${50 - RATE_LIMIT} similar message(s) suppressed in 10 s; the last: Session 's' is now named 'n49'`,
      ),
    ),
  );
});

test('a file that refuses every write (ENOSPC) neither throws nor stops logging', async () => {
  const log = new Logger('/dev/full', 'info', false);
  for (let i = 0; i < 100; i++) log.info(`line ${i}`);
  await new Promise((r) => setTimeout(r, 50));
  for (let i = 0; i < 100; i++) log.child('x').error(`line ${i}`);
  await log.close();
});
