// Entry point of the browser client: `#SESSION_ID` in the URL opens that session, no fragment lists sessions.
import { showSessionList } from './session-list.js';
import { StatusBanner } from './status-banner.js';
import { Viewer } from './viewer.js';

function sessionFromHash(): string {
  try {
    return decodeURIComponent(location.hash.replace(/^#/, ''));
  } catch {
    return location.hash.replace(/^#/, '');
  }
}

function main(): void {
  const root = document.getElementById('app') ?? document.body;
  const status = new StatusBanner(root);
  const sessionId = sessionFromHash();
  // A viewer is bound to one session; choosing another (a link, or editing the URL) starts afresh.
  window.addEventListener('hashchange', () => location.reload());
  if (sessionId === '') {
    status.show('listing', 'Loading sessions…');
    void showSessionList(root, (message) => status.show('listing', message));
    return;
  }
  const viewer = new Viewer(sessionId, status, root);
  void viewer.start();
}

main();
