// The viewer's toolbar (DCV web client's top bar): buttons and drop-down panels in one row, reachable with Tab
// and the arrow keys (WAI-ARIA toolbar pattern, one tab stop), hideable, and in full screen an overlay that
// slides away until the pointer reaches the top edge or a key moves focus into it. Modules plug in with
// addButton / addPanel (docs/web-client.md); the toolbar knows nothing about what they do.
import { icon, type IconName } from './icons.js';
import { S } from '../strings.js';

interface ItemBase {
  /** Unique, [a-z0-9-]: the button is `#tb-ID`, a panel `#panel-ID`. */
  readonly id: string;
  /** The button's visible text and accessible name. */
  readonly label: string;
  /** An icons.ts name or 24×24 SVG path data. */
  readonly icon?: IconName | string;
  /** The tooltip: what the item does, when the label alone does not say. */
  readonly title?: string;
  /** Left to right by order (default 100); the built-in items use multiples of 10. */
  readonly order?: number;
}

export interface ToolbarButtonSpec extends ItemBase {
  onClick(button: HTMLButtonElement): void;
}

export interface ToolbarPanelSpec extends ItemBase {
  /** Builds the panel's content into `el`; called once, the first time the panel opens. */
  mount(el: HTMLElement): void;
  /** Called each time the panel opens (e.g. to refresh what it shows). */
  onOpen?(): void;
  onClose?(): void;
}

export interface ToolbarItem {
  readonly button: HTMLButtonElement;
  /** A small count on the button (notifications); 0 hides it. */
  setBadge(n: number): void;
  remove(): void;
}

export interface ToolbarPanel extends ToolbarItem {
  readonly element: HTMLElement;
  open(): void;
  close(): void;
  readonly isOpen: boolean;
}

const AUTO_HIDE_MS = 2500;
/** Pixels from the top edge that bring the auto-hidden toolbar back. */
const REVEAL_EDGE_PX = 6;

export class Toolbar {
  readonly element: HTMLElement;
  private readonly items: { order: number; button: HTMLButtonElement; item: ToolbarItem }[] = [];
  private readonly panels = new Map<string, ToolbarPanel>();
  private openPanel: ToolbarPanel | undefined;
  private readonly showHandle: HTMLButtonElement;
  private hideTimer: ReturnType<typeof setTimeout> | undefined;
  private autoHide = true;

  /**
   * @param bar the page's top bar, which the toolbar joins and hides or shows as a whole
   * @param focusAfter where keyboard focus goes when a panel closes with Escape or the bar hides (the screen)
   */
  constructor(
    private readonly bar: HTMLElement,
    private readonly focusAfter: () => void,
  ) {
    this.element = document.createElement('div');
    this.element.id = 'toolbar';
    this.element.setAttribute('role', 'toolbar');
    this.element.setAttribute('aria-label', S.toolbar);
    this.element.addEventListener('keydown', (e) => this.keydown(e));
    // Before the account, so the bar reads: product, state, tools, who is logged in.
    bar.insertBefore(this.element, bar.querySelector('#account'));

    this.showHandle = document.createElement('button');
    this.showHandle.id = 'toolbar-show';
    this.showHandle.type = 'button';
    this.showHandle.title = S.showToolbar;
    this.showHandle.setAttribute('aria-label', S.showToolbar);
    this.showHandle.appendChild(icon('show'));
    this.showHandle.hidden = true;
    this.showHandle.addEventListener('click', () => this.setHidden(false));
    bar.after(this.showHandle);

    this.addButton({
      id: 'hide',
      label: S.hideToolbar,
      icon: 'hide',
      order: 1000,
      onClick: () => this.setHidden(true),
    }).button.classList.add('icon-only');

    document.addEventListener('pointerdown', (e) => {
      const open = this.openPanel;
      if (open === undefined) return;
      const t = e.target as Node;
      if (!open.element.contains(t) && !open.button.contains(t)) open.close();
    });
    document.addEventListener('fullscreenchange', () => this.fullscreenChanged());
    document.addEventListener('pointermove', (e) => {
      if (!this.overlaid) return;
      if (e.clientY <= REVEAL_EDGE_PX) this.reveal();
      else if (!this.bar.contains(e.target as Node)) this.scheduleHide();
    });
    bar.addEventListener('focusin', () => this.reveal());
    bar.addEventListener('pointerenter', () => this.reveal());
  }

  /** Whether the toolbar slides away in full screen (a preference). */
  setAutoHide(on: boolean): void {
    this.autoHide = on;
    if (this.overlaid) this.reveal();
  }

  addButton(spec: ToolbarButtonSpec): ToolbarItem {
    const button = this.makeButton(spec);
    button.addEventListener('click', () => spec.onClick(button));
    const item: ToolbarItem = {
      button,
      setBadge: (n) => setBadge(button, n),
      remove: () => this.removeItem(button),
    };
    this.insert(spec.order ?? 100, button, item);
    return item;
  }

  addPanel(spec: ToolbarPanelSpec): ToolbarPanel {
    if (this.panels.has(spec.id)) throw new Error(`toolbar panel ${spec.id} added twice`);
    const button = this.makeButton(spec);
    const element = document.createElement('div');
    element.id = `panel-${spec.id}`;
    element.className = 'panel';
    element.setAttribute('role', 'dialog');
    element.setAttribute('aria-label', spec.title ?? spec.label);
    element.hidden = true;
    element.tabIndex = -1;
    button.setAttribute('aria-haspopup', 'dialog');
    button.setAttribute('aria-expanded', 'false');
    button.setAttribute('aria-controls', element.id);
    element.addEventListener('keydown', (e) => {
      if (e.key === 'Escape') {
        e.stopPropagation();
        panel.close();
        button.focus();
      }
    });
    this.bar.appendChild(element);
    let mounted = false;
    const panel: ToolbarPanel = {
      button,
      element,
      get isOpen() {
        return !element.hidden;
      },
      open: () => {
        if (this.openPanel !== undefined && this.openPanel !== panel) this.openPanel.close();
        if (!mounted) {
          mounted = true;
          spec.mount(element);
        }
        element.hidden = false;
        button.setAttribute('aria-expanded', 'true');
        this.openPanel = panel;
        this.place(panel);
        spec.onOpen?.();
        this.reveal();
      },
      close: () => {
        if (element.hidden) return;
        element.hidden = true;
        button.setAttribute('aria-expanded', 'false');
        if (this.openPanel === panel) this.openPanel = undefined;
        spec.onClose?.();
        this.scheduleHide();
      },
      setBadge: (n) => setBadge(button, n),
      remove: () => {
        panel.close();
        element.remove();
        this.panels.delete(spec.id);
        this.removeItem(button);
      },
    };
    button.addEventListener('click', () => (panel.isOpen ? panel.close() : panel.open()));
    this.panels.set(spec.id, panel);
    this.insert(spec.order ?? 100, button, panel);
    return panel;
  }

  /** The panel added under `id`, for modules that add to a panel another module owns. */
  panel(id: string): ToolbarPanel | undefined {
    return this.panels.get(id);
  }

  get hidden(): boolean {
    return this.bar.classList.contains('collapsed');
  }

  /** Hides the bar behind a small handle at the top edge, or brings it back. */
  setHidden(hidden: boolean): void {
    this.openPanel?.close();
    this.bar.classList.toggle('collapsed', hidden);
    this.showHandle.hidden = !hidden;
    if (hidden) {
      this.showHandle.focus();
    } else {
      this.firstButton()?.focus();
    }
    window.dispatchEvent(new Event('resize')); // the screen has more (or less) room
  }

  private get overlaid(): boolean {
    return document.fullscreenElement !== null && this.autoHide;
  }

  private fullscreenChanged(): void {
    const full = document.fullscreenElement !== null;
    this.bar.classList.toggle('overlay', full);
    if (full) this.scheduleHide();
    else {
      clearTimeout(this.hideTimer);
      this.bar.classList.remove('slid-away');
    }
  }

  private reveal(): void {
    this.bar.classList.remove('slid-away');
    this.scheduleHide();
  }

  private scheduleHide(): void {
    clearTimeout(this.hideTimer);
    if (!this.overlaid) return;
    this.hideTimer = setTimeout(() => {
      if (!this.overlaid || this.openPanel !== undefined || this.bar.contains(document.activeElement)) return;
      this.bar.classList.add('slid-away');
    }, AUTO_HIDE_MS);
  }

  private makeButton(spec: ItemBase): HTMLButtonElement {
    if (!/^[a-z0-9-]+$/.test(spec.id)) throw new Error(`toolbar id ${spec.id}: use [a-z0-9-]`);
    const button = document.createElement('button');
    button.type = 'button';
    button.id = `tb-${spec.id}`;
    button.tabIndex = -1;
    button.title = spec.title ?? spec.label;
    if (spec.icon !== undefined) button.appendChild(icon(spec.icon));
    const text = document.createElement('span');
    text.className = 'label';
    text.textContent = spec.label;
    button.appendChild(text);
    button.addEventListener('focus', () => this.makeTabStop(button));
    return button;
  }

  private insert(order: number, button: HTMLButtonElement, item: ToolbarItem): void {
    const at = this.items.findIndex((i) => i.order > order);
    const entry = { order, button, item };
    if (at < 0) {
      this.items.push(entry);
      this.element.appendChild(button);
    } else {
      this.element.insertBefore(button, this.items[at]!.button);
      this.items.splice(at, 0, entry);
    }
    if (!this.items.some((i) => i.button.tabIndex === 0)) this.makeTabStop(this.items[0]!.button);
  }

  private removeItem(button: HTMLButtonElement): void {
    const at = this.items.findIndex((i) => i.button === button);
    if (at >= 0) this.items.splice(at, 1);
    const wasStop = button.tabIndex === 0;
    button.remove();
    if (wasStop && this.items.length > 0) this.makeTabStop(this.items[0]!.button);
  }

  private makeTabStop(button: HTMLButtonElement): void {
    for (const i of this.items) i.button.tabIndex = i.button === button ? 0 : -1;
  }

  private visibleButtons(): HTMLButtonElement[] {
    return this.items.map((i) => i.button).filter((b) => !b.hidden && !b.disabled);
  }

  private firstButton(): HTMLButtonElement | undefined {
    return this.visibleButtons()[0];
  }

  private keydown(e: KeyboardEvent): void {
    const buttons = this.visibleButtons();
    const at = buttons.indexOf(document.activeElement as HTMLButtonElement);
    if (at < 0) return;
    let next: number | undefined;
    if (e.key === 'ArrowRight') next = (at + 1) % buttons.length;
    else if (e.key === 'ArrowLeft') next = (at - 1 + buttons.length) % buttons.length;
    else if (e.key === 'Home') next = 0;
    else if (e.key === 'End') next = buttons.length - 1;
    else if (e.key === 'Escape') {
      this.openPanel?.close();
      this.focusAfter();
      return;
    } else if (e.key === 'ArrowDown' && this.panelOf(buttons[at]!) !== undefined) {
      const p = this.panelOf(buttons[at]!)!;
      if (!p.isOpen) p.open();
      (p.element.querySelector<HTMLElement>('button, input, select, a[href]') ?? p.element).focus();
      e.preventDefault();
      return;
    }
    if (next === undefined) return;
    e.preventDefault();
    buttons[next]!.focus();
  }

  private panelOf(button: HTMLButtonElement): ToolbarPanel | undefined {
    for (const p of this.panels.values()) if (p.button === button) return p;
    return undefined;
  }

  /** Under its button, kept inside the window. */
  private place(panel: ToolbarPanel): void {
    const b = panel.button.getBoundingClientRect();
    const bar = this.bar.getBoundingClientRect();
    const width = panel.element.offsetWidth;
    const left = Math.max(4, Math.min(b.left, window.innerWidth - width - 4));
    panel.element.style.left = `${Math.round(left - bar.left)}px`;
  }
}

function setBadge(button: HTMLButtonElement, n: number): void {
  let badge = button.querySelector<HTMLElement>('.badge');
  if (n <= 0) {
    badge?.remove();
    return;
  }
  if (badge === null) {
    badge = document.createElement('span');
    badge.className = 'badge';
    button.appendChild(badge);
  }
  badge.textContent = n > 99 ? '99+' : String(n);
}
