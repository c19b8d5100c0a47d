// Fault injection for the crash tests: OPENDCV_UPGRADE_KILL_AT=STEP makes the upgrade SIGKILL itself right
// after journaling STEP (before it acts); STEP+ right after STEP has acted. Unset in normal use.
export function crashPoint(env: NodeJS.ProcessEnv, point: string): void {
  if (env['OPENDCV_UPGRADE_KILL_AT'] === point) process.kill(process.pid, 'SIGKILL');
}
