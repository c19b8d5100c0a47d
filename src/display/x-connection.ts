// One session's X connection for streaming: owns the `x11` client, DAMAGE on the root window (what changed),
// XFIXES cursor tracking (shape and position), RANDR screen changes, the XTEST input injector, and screen
// reads: MIT-SHM GetImage into a shared segment when the server is local (X then writes the pixels straight
// into memory we read in place), core GetImage otherwise.
import { EventEmitter } from 'node:events';
import type { DamageExt, FixesExt, RandrExt, ShmExt, ShmSegment, X11Client, X11Display, X11Event } from 'x11';
import { DcvError } from '../errors.js';
import type { CursorImage, Rect } from '../protocol/index.js';
import { InputInjector } from './input-injector.js';
import { call, closeXClient, openXClient } from './x-client.js';

/** Rows per core GetImage: keeps each reply near 4 MB, however wide the screen. */
const CORE_IMAGE_BYTES = 4 << 20;

export interface XConnectionEvents {
  /** The screen changed since the last takeDamage(); call takeDamage() to learn where. Fires once per batch. */
  damage: [];
  /** The displayed cursor changed. */
  cursor: [CursorImage];
  /** RANDR changed the screen size. */
  resize: [{ width: number; height: number }];
  /** The X server went away (session ended) or the connection failed. */
  closed: [Error | undefined];
}

export interface XConnectionOptions {
  display: string;
  authFile?: string;
}

export class XConnection extends EventEmitter<XConnectionEvents> {
  readonly input: InputInjector;
  private damageId = 0;
  private partsRegion = 0;
  private disposed = false;
  private damagePending = false;
  private screenSize: { width: number; height: number };
  /** The shared segment screen reads land in; grown to the screen's size when it is resized. */
  private segment: ShmSegment | undefined;
  private segmentPending: Promise<ShmSegment | undefined> | undefined;

  private constructor(
    private readonly client: X11Client,
    private readonly xdisplay: X11Display,
    private readonly damageExt: DamageExt,
    private readonly fixes: FixesExt,
    private readonly randr: RandrExt | undefined,
    private readonly shm: ShmExt | undefined,
    input: InputInjector,
  ) {
    super();
    this.input = input;
    const s = xdisplay.screen[0]!;
    this.screenSize = { width: s.pixel_width, height: s.pixel_height };
  }

  /** Connects and sets up damage, cursor and resize tracking; throws DcvError when the server lacks an extension. */
  static async open(options: XConnectionOptions): Promise<XConnection> {
    const { client, display } = await openXClient(options.display, options.authFile, { shm: true });
    try {
      const need = async <T>(name: string, label: string): Promise<T> => {
        try {
          return await call<T>((cb) => client.require(name, cb as never));
        } catch {
          throw new DcvError(
            'X_EXTENSION_MISSING',
            `X display ${options.display} lacks the ${label} extension; start it with +extension ${label}.`,
          );
        }
      };
      const fixes = await need<FixesExt>('fixes', 'XFIXES');
      const damage = await need<DamageExt>('damage', 'DAMAGE');
      const xtest = await need<import('x11').XTestExt>('xtest', 'XTEST');
      // RANDR is optional: without it the screen just never resizes.
      const randr = await call<RandrExt>((cb) => client.require('randr', cb)).catch(() => undefined);
      // MIT-SHM is optional too: without a usable segment (a remote display) reads use core GetImage.
      const shm = await call<ShmExt>((cb) => client.require('shm', cb)).catch(() => undefined);
      const input = await InputInjector.create(client, display, xtest);
      const conn = new XConnection(
        client,
        display,
        damage,
        fixes,
        randr,
        shm?.provider ? shm : undefined,
        input,
      );
      conn.start();
      return conn;
    } catch (e) {
      closeXClient(client);
      throw e;
    }
  }

  get root(): number {
    return this.xdisplay.screen[0]!.root;
  }

  get size(): { width: number; height: number } {
    return { ...this.screenSize };
  }

  private start(): void {
    const c = this.client;
    c.on('event', (ev: X11Event) => this.onEvent(ev));
    c.on('error', (err: Error) => {
      // Errors of fire-and-forget requests (e.g. a BadValue from a stray keysym) are not fatal.
      if (!this.disposed && (err as { seq?: number }).seq === undefined) this.close(err);
    });
    c.on('end', () => this.close(new Error('the X server closed the connection')));

    // NonEmpty: one notify when the damage region becomes non-empty; the region then accumulates on the
    // server until takeDamage() moves it out atomically (Subtract into a parts region), so nothing painted
    // between the notify and the fetch is lost, and a busy screen costs one event per captured frame.
    this.damageId = c.AllocID();
    this.partsRegion = c.AllocID();
    this.fixes.CreateRegion(this.partsRegion, []);
    this.damageExt.Create(this.damageId, this.root, this.damageExt.ReportLevel.NonEmpty);
    this.fixes.SelectCursorInput(this.root, this.fixes.CursorNotifyMask.DisplayCursor);
    this.randr?.SelectInput(this.root, this.randr.NotifyMask.ScreenChange ?? 1);
  }

  private onEvent(ev: X11Event): void {
    if (this.disposed) return;
    switch (ev.name) {
      case 'DamageNotify':
        if (!this.damagePending) {
          this.damagePending = true;
          this.emit('damage');
        }
        break;
      case 'CursorNotify':
        this.getCursor().then(
          (shape) => this.emit('cursor', shape),
          () => undefined,
        );
        break;
      case 'RRScreenChangeNotify': {
        const width = Number(ev.width);
        const height = Number(ev.height);
        // The rotation may swap width and height; the root geometry is the truth.
        if (width !== this.screenSize.width || height !== this.screenSize.height) {
          this.screenSize = { width, height };
          this.emit('resize', { width, height });
        }
        break;
      }
    }
  }

  /**
   * Takes (and clears) the region damaged since the last call, as rectangles clipped to the screen.
   * After the reply the server has finished every drawing request that caused it, so the framebuffer
   * file holds those pixels. The next paint fires 'damage' again.
   */
  async takeDamage(): Promise<Rect[]> {
    if (this.disposed) return [];
    this.damagePending = false;
    this.damageExt.Subtract(this.damageId, 0, this.partsRegion);
    const region = await call<{ rectangles: Array<{ x: number; y: number; width: number; height: number }> }>(
      (cb) => this.fixes.FetchRegion(this.partsRegion, cb as never),
    );
    const { width, height } = this.screenSize;
    const out: Rect[] = [];
    for (const r of region.rectangles) {
      const x0 = Math.max(0, r.x);
      const y0 = Math.max(0, r.y);
      const x1 = Math.min(width, r.x + r.width);
      const y1 = Math.min(height, r.y + r.height);
      if (x1 > x0 && y1 > y0) out.push({ x: x0, y: y0, width: x1 - x0, height: y1 - y0 });
    }
    return out;
  }

  /** How many bytes one getImage() should ask for at most (core replies are kept near 4 MB). */
  get imageBytesPerRequest(): number {
    return this.shm ? Number.MAX_SAFE_INTEGER : CORE_IMAGE_BYTES;
  }

  /** Whether reads go through a MIT-SHM segment (for the server log). */
  get sharedMemory(): boolean {
    return this.shm !== undefined;
  }

  /**
   * The root window's pixels in `r` (ZPixmap, w*4 bytes per row: every screen we stream is 32 bits per pixel).
   * With MIT-SHM the Buffer is a view of the shared segment, valid until the next getImage().
   */
  async getImage(r: Rect): Promise<Buffer> {
    const bytes = r.width * r.height * 4;
    const seg = this.shm ? await this.segmentFor(bytes) : undefined;
    if (seg) {
      await call((cb) => seg.getImage(this.root, r.x, r.y, r.width, r.height, 0xffffffff, 2, 0, cb as never));
      return seg.buffer.subarray(0, bytes);
    }
    const img = await call<{ data: Buffer }>((cb) =>
      this.client.GetImage(2, this.root, r.x, r.y, r.width, r.height, 0xffffffff, cb as never),
    );
    return img.data;
  }

  /** The segment, (re)made to hold at least the whole screen; undefined when the server refuses one. */
  private async segmentFor(bytes: number): Promise<ShmSegment | undefined> {
    if (this.segment && this.segment.size >= bytes) return this.segment;
    this.segmentPending ??= (async () => {
      const old = this.segment;
      this.segment = undefined;
      old?.detach();
      const size = Math.max(bytes, this.screenSize.width * this.screenSize.height * 4);
      const seg = await call<ShmSegment>((cb) => this.shm!.createSegment(size, cb)).catch(() => undefined);
      this.segment = seg;
      return seg;
    })().finally(() => (this.segmentPending = undefined));
    const seg = await this.segmentPending;
    return seg && seg.size >= bytes ? seg : undefined;
  }

  /** The memory order of the root window's pixels as ffmpeg names it, or why they cannot be streamed. */
  pixelFormat(): 'bgr0' | 'rgb0' | '0rgb' | '0bgr' {
    const screen = this.xdisplay.screen[0]!;
    const depth = screen.root_depth;
    const visual = screen.depths?.[depth]?.[screen.root_visual];
    const bpp = this.xdisplay.format?.[depth]?.bits_per_pixel;
    const lsbFirst = (this.xdisplay.image_byte_order ?? 0) === 0;
    const unsupported = (why: string): DcvError =>
      new DcvError(
        'FRAMEBUFFER_UNSUPPORTED',
        `The X display's screen cannot be streamed: ${why}; run that X server at 24-bit colour (depth 24).`,
      );
    if ((depth !== 24 && depth !== 32) || bpp !== 32)
      throw unsupported(`depth ${depth} at ${bpp ?? '?'} bits per pixel`);
    if (visual?.red_mask === 0xff0000 && visual.blue_mask === 0xff) return lsbFirst ? 'bgr0' : '0rgb';
    if (visual?.red_mask === 0xff && visual.blue_mask === 0xff0000) return lsbFirst ? 'rgb0' : '0bgr';
    throw unsupported('its visual is not 8-bit RGB');
  }

  /** The current cursor image (straight RGBA) and hotspot; its id is the XFIXES serial (same id, same image). */
  async getCursor(): Promise<CursorImage> {
    const img = await call<import('x11').CursorImage>((cb) => this.fixes.GetCursorImage(cb));
    // X allows a hotspot on the image's far edge; the protocol wants it on a pixel of the image.
    const clamp = (v: number, size: number): number => Math.min(Math.max(0, v), Math.max(0, size - 1));
    return {
      cursorId: img.cursorSerial,
      hotspotX: clamp(img.xhot, img.width),
      hotspotY: clamp(img.yhot, img.height),
      width: img.width,
      height: img.height,
      rgba: argbPremultipliedToRgba(img.cursorImage, img.width * img.height),
    };
  }

  /** The pointer position on the root window. */
  async pointerPosition(): Promise<{ x: number; y: number }> {
    const p = await call<{ rootX: number; rootY: number }>((cb) =>
      this.client.QueryPointer(this.root, cb as never),
    );
    return { x: p.rootX, y: p.rootY };
  }

  private close(err: Error | undefined): void {
    if (this.disposed) return;
    this.disposed = true;
    this.emit('closed', err);
    closeXClient(this.client);
  }

  /** Lifts every key and button this connection pressed, then closes the X connection. */
  dispose(): void {
    if (this.disposed) return;
    try {
      this.input.releaseAll();
      this.segment?.detach();
      this.damageExt.Destroy(this.damageId);
      this.fixes.DestroyRegion(this.partsRegion);
    } catch {
      /* connection already gone */
    }
    this.disposed = true;
    closeXClient(this.client);
    this.removeAllListeners();
  }
}

/** XFIXES gives native-endian ARGB32 with premultiplied alpha; canvases want straight RGBA bytes. */
export function argbPremultipliedToRgba(src: Buffer, pixels: number): Uint8Array {
  const out = new Uint8Array(pixels * 4);
  for (let i = 0; i < pixels; i++) {
    const v = src.readUInt32LE(i * 4);
    const a = v >>> 24;
    let r = (v >>> 16) & 0xff;
    let g = (v >>> 8) & 0xff;
    let b = v & 0xff;
    if (a !== 0 && a !== 255) {
      r = Math.min(255, Math.round((r * 255) / a));
      g = Math.min(255, Math.round((g * 255) / a));
      b = Math.min(255, Math.round((b * 255) / a));
    }
    out[i * 4] = r;
    out[i * 4 + 1] = g;
    out[i * 4 + 2] = b;
    out[i * 4 + 3] = a;
  }
  return out;
}
