// DCV's notifications: what happened while the person was busy in the session (someone joined or left, the
// connection dropped and came back, the session's clipboard changed), newest first, with an unread count on
// the toolbar button. Modules add theirs through the panel context's notify().
import { S } from '../strings.js';
import type { Toolbar, ToolbarPanel } from './toolbar.js';

const KEEP = 50;

export class Notifications {
  private readonly entries: { at: Date; text: string }[] = [];
  private unread = 0;
  private list: HTMLElement | undefined;
  private readonly panel: ToolbarPanel;

  constructor(toolbar: Toolbar) {
    this.panel = toolbar.addPanel({
      id: 'notifications',
      label: S.notifications,
      title: S.notificationsTitle,
      icon: 'bell',
      order: 70,
      mount: (el) => {
        this.list = document.createElement('ol');
        this.list.className = 'notifications';
        this.list.setAttribute('aria-live', 'polite');
        const clear = document.createElement('button');
        clear.type = 'button';
        clear.textContent = S.clearNotifications;
        clear.addEventListener('click', () => {
          this.entries.length = 0;
          this.render();
        });
        el.append(this.list, clear);
        this.render();
      },
      onOpen: () => {
        this.unread = 0;
        this.panel.setBadge(0);
      },
    });
  }

  add(text: string): void {
    this.entries.unshift({ at: new Date(), text });
    this.entries.length = Math.min(this.entries.length, KEEP);
    if (!this.panel.isOpen) this.panel.setBadge(++this.unread);
    this.render();
  }

  private render(): void {
    if (this.list === undefined) return;
    if (this.entries.length === 0) {
      const li = document.createElement('li');
      li.className = 'empty';
      li.textContent = S.noNotifications;
      this.list.replaceChildren(li);
      return;
    }
    this.list.replaceChildren(
      ...this.entries.map((e) => {
        const li = document.createElement('li');
        const time = document.createElement('time');
        time.dateTime = e.at.toISOString();
        time.textContent = e.at.toLocaleTimeString();
        li.append(time, ` ${e.text}`);
        return li;
      }),
    );
  }
}
