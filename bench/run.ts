// `npm run bench`: runs every benchmark in one go on this machine and prints the figures.
import { benchSessionStart } from './session-start.js';

function table(title: string, rows: Record<string, string>): void {
  const width = Math.max(...Object.keys(rows).map((k) => k.length));
  console.log(`\n## ${title}`);
  for (const [k, v] of Object.entries(rows)) console.log(`  ${k.padEnd(width)}  ${v}`);
}

const only = process.argv[2];
if (only === undefined || only === 'session-start')
  table('Session start (issue 2)', await benchSessionStart());
if (only === undefined || only === 'viewer') {
  const { benchViewers } = await import('./viewer-bench.js');
  console.log('\n## Viewer: opendcv vs x11vnc+noVNC, 1920x1080 (issue 3)');
  console.log(await benchViewers());
}
if (only === undefined || only === 'upgrade') {
  const { benchUpgradeDowntime, summarizeDowntime } = await import('./upgrade-downtime.js');
  table('Upgrade downtime (issue 6)', summarizeDowntime(await benchUpgradeDowntime(3)));
}
if (only === undefined || only === 'broker') {
  const { benchBroker } = await import('./broker-bench.js');
  table('Many hosts: session-manager broker, 2 brokers, 3 hosts (issue 20)', await benchBroker());
}
