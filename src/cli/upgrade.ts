// `dcv upgrade plan|apply|rollback|status`: the seed's upgrade procedure (DESIGN.md §6) as commands; the
// state machine lives in src/upgrade, this file parses options, asks for confirmation and prints.
import { createInterface } from 'node:readline/promises';
import { DcvError } from '../errors.js';
import { applyUpgrade } from '../upgrade/apply.js';
import { describeSteps, planUpgrade } from '../upgrade/plan.js';
import type { Preflight } from '../upgrade/preflight.js';
import { blockerError } from '../upgrade/preflight.js';
import { rollbackUpgrade } from '../upgrade/rollback.js';
import { upgradeStatus, type UpgradeStatus } from '../upgrade/status.js';
import type { UpgradeContext } from '../upgrade/upgrade-context.js';
import { upgradeProgress } from '../upgrade/upgrade-log.js';
import type { CliCommand, CliIo } from './command.js';
import { parseOptions } from './parse-options.js';

function context(io: CliIo, tag: string): UpgradeContext {
  return { paths: io.paths, env: io.env, cwd: io.cwd, progress: upgradeProgress(io.paths, io.out, tag) };
}

/** y/N on a terminal; elsewhere only --yes proceeds, so a script never upgrades by accident. */
async function confirm(question: string, yes: boolean, io: CliIo): Promise<boolean> {
  if (yes) return true;
  if (process.stdin.isTTY !== true) {
    throw new DcvError(
      'UPGRADE_NOT_CONFIRMED',
      'Not on a terminal, so no one can confirm; add --yes to proceed. Nothing was changed.',
    );
  }
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  try {
    const answer = await rl.question(question);
    return /^y(es)?$/i.test(answer.trim());
  } finally {
    rl.close();
    io.out('');
  }
}

const planCommand: CliCommand = {
  name: 'upgrade plan',
  summary: 'Show what upgrading to a release would do and every blocker; changes nothing',
  usage:
    'dcv upgrade plan [--close-sessions] TARGET\n\nTARGET is a release file (opendcv-VERSION.tgz) or an installed version.',
  async run(args, io) {
    const { values, positionals } = parseOptions(
      'upgrade plan',
      args,
      { 'close-sessions': { type: 'boolean' } },
      { min: 1, max: 1, names: 'TARGET' },
    );
    const ctx = context(io, 'plan');
    const p = await planUpgrade(ctx, positionals[0]!, values['close-sessions'] === true);
    const lines = [
      `Upgrade plan: opendcv ${p.previous?.version ?? '(none installed)'} -> ${p.version}`,
      'Checks:',
    ];
    for (const c of p.checks) lines.push(`  ${c.ok ? 'ok     ' : 'BLOCKED'} ${c.name}: ${c.text}`);
    lines.push('Apply would:', ...describeSteps(ctx, p).map((l) => `  ${l}`));
    io.out(`${lines.join('\n')}\n`);
    if (p.blockers.length > 0) throw blockerError(p);
    io.out(
      `No blockers: \`dcv upgrade apply ${positionals[0]!}${values['close-sessions'] === true ? ' --close-sessions' : ''}\` would proceed.\n`,
    );
    return 0;
  },
};

const applyCommand: CliCommand = {
  name: 'upgrade apply',
  summary: 'Upgrade to a release: stop, back up, install, compare, start, test; roll back on failure',
  usage:
    'dcv upgrade apply [--close-sessions] [--yes] TARGET\n\n' +
    'TARGET is a release file (opendcv-VERSION.tgz) or an installed version. Running sessions block the upgrade\n' +
    'unless --close-sessions. Without --yes it asks for confirmation (and refuses when not on a terminal).\n' +
    'An interrupted upgrade is resumed by running the same apply again.',
  async run(args, io) {
    const { values, positionals } = parseOptions(
      'upgrade apply',
      args,
      { 'close-sessions': { type: 'boolean' }, yes: { type: 'boolean', short: 'y' } },
      { min: 1, max: 1, names: 'TARGET' },
    );
    if (values['yes'] !== true && process.stdin.isTTY !== true) {
      // Say so before the preflight's minutes, not after.
      throw new DcvError(
        'UPGRADE_NOT_CONFIRMED',
        'Not on a terminal, so no one can confirm; add --yes to proceed. Nothing was changed.',
      );
    }
    const ctx = context(io, 'apply');
    ctx.progress.note(
      `dcv upgrade apply ${args.join(' ')} (pid ${process.pid}, uid ${process.getuid?.() ?? '?'})`,
    );
    try {
      const outcome = await applyUpgrade(ctx, positionals[0]!, {
        closeSessions: values['close-sessions'] === true,
        confirm: (p: Preflight, resuming: boolean) =>
          confirm(
            `${resuming ? 'Resume the upgrade' : `Upgrade to opendcv ${p.version}`}${p.serverPid !== null ? ' (the server stops)' : ''}? [y/N] `,
            values['yes'] === true,
            io,
          ),
      });
      const downtime =
        outcome.downtimeMs === null
          ? ''
          : `; the server was down ${(outcome.downtimeMs / 1000).toFixed(1)} s`;
      ctx.progress.say(
        `Upgraded opendcv ${outcome.previous ?? '(none)'} -> ${outcome.version}${downtime}. \`dcv upgrade rollback\` returns to ${outcome.previous ?? 'no release'}.`,
      );
      return 0;
    } catch (e) {
      if (e instanceof DcvError) ctx.progress.note(`${e.code}: ${e.message}`);
      throw e;
    }
  },
};

const rollbackCommand: CliCommand = {
  name: 'upgrade rollback',
  summary: 'Return to the previous release with the configuration backed up when it was left',
  usage:
    'dcv upgrade rollback [--yes] [--uninstall]\n\nUndoes the last upgrade, finished or interrupted. A first install (no release\n' +
    'before it) is undone only with --uninstall, which leaves the host without opendcv.',
  async run(args, io) {
    const { values } = parseOptions('upgrade rollback', args, {
      yes: { type: 'boolean', short: 'y' },
      uninstall: { type: 'boolean' },
    });
    if (
      !(await confirm('Roll back the last upgrade (the server restarts)? [y/N] ', values['yes'] === true, io))
    ) {
      throw new DcvError('UPGRADE_NOT_CONFIRMED', 'Rollback not confirmed; nothing was changed.');
    }
    const ctx = context(io, 'rollback');
    try {
      const { outcome } = await rollbackUpgrade(ctx, { uninstall: values['uninstall'] === true });
      ctx.progress.say(
        `Rolled back: ${outcome.version === null ? 'no release is installed' : `opendcv ${outcome.version} ${outcome.serverStarted ? 'runs' : 'is installed'}`}` +
          `${outcome.configRestored ? ' with the backed-up configuration' : ''}.`,
      );
      return 0;
    } catch (e) {
      if (e instanceof DcvError) ctx.progress.note(`${e.code}: ${e.message}`);
      throw e;
    }
  },
};

function formatStatus(s: UpgradeStatus): string {
  const lines: string[] = [];
  const j = s.journal;
  if (j === null) {
    lines.push('No upgrade recorded.');
  } else {
    lines.push(
      `Upgrade ${j.id}: opendcv ${j.previous?.version ?? '(none)'} -> ${j.target.version} (from ${j.target.source})`,
    );
    lines.push(
      `  status: ${j.status}, step ${j.step}${s.runningUpgradePid !== null ? ` (running, pid ${s.runningUpgradePid})` : ''}`,
    );
    if (s.interrupted) {
      lines.push(
        j.status === 'rolling-back'
          ? '  INTERRUPTED during rollback: finish it with `dcv upgrade rollback`'
          : `  INTERRUPTED: resume with \`dcv upgrade apply ${j.target.source}\` or undo with \`dcv upgrade rollback\``,
      );
    }
    if (j.failure !== null) lines.push(`  failure: ${j.failure}`);
    lines.push(`  backup: ${j.backup ?? '(none yet)'}`);
    const t = j.timings;
    if (t.stopped !== undefined && t.serverReady !== undefined)
      lines.push(
        `  downtime: ${((t.serverReady - t.stopped) / 1000).toFixed(1)} s (stop -> new server accepting viewers)`,
      );
    lines.push('  journal:');
    for (const e of j.events) lines.push(`    ${e.at}  ${e.step}${e.note === '' ? '' : `  ${e.note}`}`);
  }
  lines.push(`Current release: ${s.current === null ? '(none)' : `${s.current.version} (${s.current.dir})`}`);
  lines.push(
    `Server: ${s.server === null ? 'not running' : `opendcv ${s.server.version ?? '?'} running (pid ${s.server.pid})`}`,
  );
  lines.push(`Installed releases: ${s.installed.join(', ') || '(none)'}`);
  lines.push('Backups:');
  if (s.backups.length === 0) lines.push('  (none)');
  for (const b of s.backups) {
    lines.push(
      b.manifest === null
        ? `  ${b.dir}  INCOMPLETE (no verified manifest)`
        : `  ${b.dir}  ${b.manifest.files.length} files, ${b.manifest.reason}`,
    );
  }
  if (s.history.length > 0) {
    lines.push('Earlier upgrades:');
    for (const h of s.history)
      lines.push(
        `  ${h.id}  ${h.previous?.version ?? '(none)'} -> ${h.target.version}  ${h.status}${h.failure !== null ? ` (${h.failure.split('\n')[0]})` : ''}`,
      );
  }
  return `${lines.join('\n')}\n`;
}

const statusCommand: CliCommand = {
  name: 'upgrade status',
  summary: 'Show the upgrade journal, installed releases and configuration backups',
  usage: 'dcv upgrade status [-j|--json]',
  async run(args, io) {
    const { values } = parseOptions('upgrade status', args, { json: { type: 'boolean', short: 'j' } });
    const s = await upgradeStatus(io.paths);
    io.out(values['json'] === true ? `${JSON.stringify(s, null, 2)}\n` : formatStatus(s));
    return 0;
  },
};

export const upgradeCommands: CliCommand[] = [planCommand, applyCommand, rollbackCommand, statusCommand];
