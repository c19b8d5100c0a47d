// The page's top bar: the product name, one line on what the viewer is doing (a polite live region, so a
// screen reader hears changes), the toolbar when a session is open, and who is logged in with a log-out.
// It also keeps the page title: the session's name while viewing, the state when not connected.
import { PRODUCT, S } from '../strings.js';

export type ConnectionState =
  'idle' | 'listing' | 'connecting' | 'connected' | 'reconnecting' | 'waiting' | 'closed';

export class StatusBanner {
  private readonly el: HTMLElement;
  private readonly text: HTMLElement;
  private readonly account: HTMLElement;
  private subject = '';

  constructor(parent: HTMLElement) {
    this.el = document.createElement('header');
    this.el.id = 'status';
    const brand = document.createElement('span');
    brand.className = 'brand';
    brand.textContent = PRODUCT;
    this.text = document.createElement('span');
    this.text.id = 'status-text';
    this.text.setAttribute('role', 'status');
    this.account = document.createElement('span');
    this.account.id = 'account';
    this.el.append(brand, this.text, this.account);
    parent.appendChild(this.el);
  }

  /** The bar itself, so the toolbar can join it. */
  get element(): HTMLElement {
    return this.el;
  }

  /** What the page is about (a session's name), for the title. */
  setSubject(subject: string): void {
    this.subject = subject;
    this.title();
  }

  show(state: ConnectionState, message: string): void {
    this.el.dataset['state'] = state;
    this.text.textContent = message;
    this.title();
  }

  /** The logged-in user and a log-out button, at the bar's right end. */
  showAccount(user: string, logOut: () => void): void {
    const who = document.createElement('span');
    who.id = 'account-user';
    who.textContent = S.loggedInAs(user);
    const out = document.createElement('button');
    out.type = 'button';
    out.id = 'logout';
    out.textContent = S.logOut;
    out.addEventListener('click', logOut);
    this.account.replaceChildren(who, out);
  }

  private title(): void {
    const state = this.el.dataset['state'];
    const subject = this.subject;
    if (subject === '') document.title = state === 'listing' ? `${S.sessionsHeading} — ${PRODUCT}` : PRODUCT;
    else if (state === 'connected') document.title = `${subject} — ${PRODUCT}`;
    else document.title = `${subject} (${this.text.textContent ?? ''}) — ${PRODUCT}`;
  }
}
