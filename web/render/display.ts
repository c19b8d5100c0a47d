// The canvas on the page: sized to the remote screen, scaled down (never up, so text stays crisp) to fit
// the window — or shown 1:1 with scroll bars, for reading small text on a small window — and the mapping from
// page coordinates to remote pixels for the input handlers.

export class Display {
  readonly canvas: HTMLCanvasElement;
  private remoteWidth = 0;
  private remoteHeight = 0;
  /** 'fit': scaled down to the window; 'native': one remote pixel per CSS pixel, scrolled. */
  private scaling: 'fit' | 'native' = 'fit';

  constructor(private readonly container: HTMLElement) {
    this.canvas = document.createElement('canvas');
    this.canvas.id = 'screen';
    this.canvas.tabIndex = 0;
    this.canvas.setAttribute('aria-label', 'Remote desktop');
    container.appendChild(this.canvas);
    window.addEventListener('resize', () => this.fit());
  }

  get width(): number {
    return this.remoteWidth;
  }

  get height(): number {
    return this.remoteHeight;
  }

  /** Remote screen size changed; the renderer resizes the pixel buffer, this resizes the element. */
  setRemoteSize(width: number, height: number): void {
    if (width === this.remoteWidth && height === this.remoteHeight) return;
    this.remoteWidth = width;
    this.remoteHeight = height;
    this.fit();
  }

  get scale(): 'fit' | 'native' {
    return this.scaling;
  }

  /** Switches between fitting the window and 1:1 pixels. */
  setScale(scaling: 'fit' | 'native'): void {
    this.scaling = scaling;
    this.container.classList.toggle('native', scaling === 'native');
    this.fit();
  }

  /** The space the canvas may use, for ClientHello's viewport fields. */
  viewport(): { width: number; height: number } {
    const r = this.container.getBoundingClientRect();
    return { width: Math.max(1, Math.floor(r.width)), height: Math.max(1, Math.floor(r.height)) };
  }

  private fit(): void {
    if (this.remoteWidth === 0) return;
    const { width, height } = this.viewport();
    const scale =
      this.scaling === 'native' ? 1 : Math.min(1, width / this.remoteWidth, height / this.remoteHeight);
    this.canvas.style.width = `${Math.floor(this.remoteWidth * scale)}px`;
    this.canvas.style.height = `${Math.floor(this.remoteHeight * scale)}px`;
  }

  /** Page coordinates → remote pixel, clamped to the screen (a drag may leave the canvas). */
  toRemote(clientX: number, clientY: number): { x: number; y: number } {
    const r = this.canvas.getBoundingClientRect();
    if (r.width === 0 || r.height === 0 || this.remoteWidth === 0) return { x: 0, y: 0 };
    const x = Math.floor(((clientX - r.left) * this.remoteWidth) / r.width);
    const y = Math.floor(((clientY - r.top) * this.remoteHeight) / r.height);
    return { x: clamp(x, 0, this.remoteWidth - 1), y: clamp(y, 0, this.remoteHeight - 1) };
  }
}

function clamp(v: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, v));
}
