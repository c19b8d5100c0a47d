// Entry point of the browser client: `#SESSION_ID` in the URL opens that session, no fragment lists sessions;
// a login comes first when the server asks for one, and the top bar then shows who is logged in.
import {
  forgetLoginToken,
  logOut,
  login,
  loginNeeded,
  loginToken,
  loginUser,
  takeUrlAuthToken,
} from './connection/login-token.js';
import { S } from './strings.js';
import { showLoginForm } from './ui/login-form.js';
import { applyTheme, loadPreferences } from './ui/preferences.js';
import { showSessionList } from './ui/session-list.js';
import { StatusBanner } from './ui/status-banner.js';
import { Viewer } from './viewer.js';

function sessionFromHash(): string {
  try {
    return decodeURIComponent(location.hash.replace(/^#/, ''));
  } catch {
    return location.hash.replace(/^#/, '');
  }
}

async function main(): Promise<void> {
  applyTheme(loadPreferences().theme);
  const root = document.getElementById('app') ?? document.body;
  const status = new StatusBanner(root);
  const sessionId = sessionFromHash();
  // A viewer is bound to one session; choosing another (a link, or editing the URL) starts afresh.
  window.addEventListener('hashchange', () => location.reload());
  // DCV's external-authentication link (?authToken=): traded once for this tab's login token.
  const urlToken = takeUrlAuthToken();
  if (urlToken !== undefined) {
    const r = await login({ authToken: urlToken, sessionId });
    if (!r.ok) {
      status.show('closed', r.error);
      return;
    }
  }
  const need = await loginNeeded();
  if (need === 'token') {
    status.show('closed', S.tokenLinkNeeded);
    return;
  }
  if (need === 'password') {
    status.show('idle', S.loginNeeded);
    await showLoginForm(root);
  }
  const user = loginUser();
  if (user !== undefined && loginToken() !== undefined) {
    status.showAccount(user, () => void logOut().then(() => location.reload()));
  }
  if (sessionId === '') {
    status.show('listing', S.loadingSessions);
    void showSessionList(root, (message) => status.show('listing', message));
    return;
  }
  const viewer = new Viewer(sessionId, status, root, {
    token: loginToken,
    onAuthenticationFailed: (reason) => {
      forgetLoginToken();
      void showLoginForm(root, reason).then(() => location.reload());
    },
  });
  void viewer.start();
}

void main();
