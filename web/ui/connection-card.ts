// The card that takes the screen's place whenever the viewer is not showing the session: what is happening,
// what the person can do about it, a countdown to the next attempt with "Retry now", and the way back to
// the session list. The remote screen is hidden meanwhile, so a stale picture never sits under the message.
import { S } from '../strings.js';

export interface CardAction {
  readonly id: string;
  readonly label: string;
  run(): void;
}

export interface CardContent {
  /** Also the card's data-kind, for tests and styles: connecting, reconnecting, not-found, ended, ... */
  readonly kind: string;
  readonly title: string;
  readonly advice?: string;
  /** The server's own words (a close reason), shown as they are. */
  readonly detail?: string;
  /** When the next attempt starts (performance.now() time); shows a countdown. */
  readonly nextAttemptAt?: number;
  readonly actions?: readonly CardAction[];
  readonly busy?: boolean;
}

export class ConnectionCard {
  readonly element: HTMLElement;
  private readonly title: HTMLElement;
  private readonly advice: HTMLElement;
  private readonly detail: HTMLElement;
  private readonly countdown: HTMLElement;
  private readonly actions: HTMLElement;
  private readonly spinner: HTMLElement;
  private timer: ReturnType<typeof setInterval> | undefined;

  constructor(parent: HTMLElement) {
    this.element = document.createElement('section');
    this.element.id = 'connection-card';
    this.element.setAttribute('aria-labelledby', 'connection-title');
    this.spinner = document.createElement('div');
    this.spinner.className = 'spinner';
    this.spinner.setAttribute('aria-hidden', 'true');
    this.title = document.createElement('h1');
    this.title.id = 'connection-title';
    this.advice = document.createElement('p');
    this.advice.className = 'advice';
    this.detail = document.createElement('p');
    this.detail.className = 'detail';
    this.countdown = document.createElement('p');
    this.countdown.className = 'countdown';
    this.actions = document.createElement('div');
    this.actions.className = 'actions';
    this.element.append(this.spinner, this.title, this.advice, this.detail, this.countdown, this.actions);
    this.element.hidden = true;
    parent.appendChild(this.element);
  }

  show(c: CardContent): void {
    clearInterval(this.timer);
    this.element.hidden = false;
    this.element.dataset['kind'] = c.kind;
    this.spinner.hidden = c.busy !== true;
    this.title.textContent = c.title;
    this.advice.textContent = c.advice ?? '';
    this.advice.hidden = c.advice === undefined;
    this.detail.textContent = c.detail ?? '';
    this.detail.hidden = c.detail === undefined || c.detail === '';
    const buttons: HTMLElement[] = (c.actions ?? []).map((a) => {
      const b = document.createElement('button');
      b.type = 'button';
      b.id = `card-${a.id}`;
      b.textContent = a.label;
      b.addEventListener('click', () => a.run());
      return b;
    });
    const list = document.createElement('a');
    list.id = 'card-session-list';
    list.href = './';
    list.textContent = S.sessionListLink;
    this.actions.replaceChildren(...buttons, list);
    const at = c.nextAttemptAt;
    this.countdown.hidden = at === undefined;
    if (at !== undefined) {
      const tick = (): void => {
        const s = Math.max(0, Math.ceil((at - performance.now()) / 1000));
        this.countdown.textContent = S.checkingAgainIn(s);
      };
      tick();
      this.timer = setInterval(tick, 250);
    }
  }

  hide(): void {
    clearInterval(this.timer);
    this.element.hidden = true;
  }
}
