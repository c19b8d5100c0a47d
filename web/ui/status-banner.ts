// The connection state line at the top of the page: what the viewer is doing, and why it stopped.

export type ConnectionState = 'idle' | 'listing' | 'connecting' | 'connected' | 'reconnecting' | 'closed';

export class StatusBanner {
  private readonly el: HTMLElement;
  private readonly text: HTMLElement;

  constructor(parent: HTMLElement) {
    this.el = document.createElement('div');
    this.el.id = 'status';
    this.text = document.createElement('span');
    this.text.id = 'status-text';
    this.el.appendChild(this.text);
    parent.appendChild(this.el);
  }

  /** The bar itself, so callers can add controls to it. */
  get element(): HTMLElement {
    return this.el;
  }

  show(state: ConnectionState, message: string): void {
    this.el.dataset['state'] = state;
    this.text.textContent = message;
    document.title = state === 'connected' ? `${message} — opendcv` : `opendcv — ${message}`;
  }
}
