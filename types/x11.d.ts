// Types for the parts of the pure-JS `x11` package (v4) that src/display/ uses; the package ships none.
declare module 'x11' {
  import type { EventEmitter } from 'node:events';

  export interface X11Screen {
    root: number;
    pixel_width: number;
    pixel_height: number;
    root_depth: number;
    root_visual: number;
    white_pixel: number;
    black_pixel: number;
    /** depth → visual id → visual. */
    depths?: Record<number, Record<number, X11Visual>>;
  }
  export interface X11Visual {
    vid: number;
    class: number;
    red_mask: number;
    green_mask: number;
    blue_mask: number;
  }
  export interface X11Display {
    client: X11Client;
    screen: X11Screen[];
    min_keycode: number;
    max_keycode: number;
    max_request_length?: number;
    /** 0 LSBFirst, 1 MSBFirst. */
    image_byte_order?: number;
    /** depth → pixmap format. */
    format?: Record<number, { bits_per_pixel: number; scanline_pad: number }>;
  }
  export interface X11Event {
    name?: string;
    type: number;
    seq?: number;
    [key: string]: unknown;
  }
  export type Callback<T> = (err: Error | null | undefined, result: T) => void;

  export interface X11Client extends EventEmitter {
    display: X11Display;
    AllocID(): number;
    ReleaseID?(id: number): void;
    require(name: 'damage', cb: Callback<DamageExt>): void;
    require(name: 'fixes', cb: Callback<FixesExt>): void;
    require(name: 'xtest', cb: Callback<XTestExt>): void;
    require(name: 'randr', cb: Callback<RandrExt>): void;
    require(name: 'shm', cb: Callback<ShmExt>): void;
    require(name: string, cb: Callback<unknown>): void;
    CreateWindow(
      wid: number,
      parent: number,
      x: number,
      y: number,
      w: number,
      h: number,
      border?: number,
      depth?: number,
      cls?: number,
      visual?: number,
      values?: Record<string, number>,
    ): void;
    ChangeWindowAttributes(
      wid: number,
      values: Record<string, number>,
      cb?: (err: Error | null) => void,
    ): void;
    MapWindow(wid: number): void;
    DestroyWindow(wid: number): void;
    ClearArea(wid: number, x: number, y: number, w: number, h: number, exposures: number): void;
    CreateGC(gc: number, drawable: number, values: Record<string, number>): void;
    ChangeGC(gc: number, values: Record<string, number>): void;
    FreeGC(gc: number): void;
    PolyFillRectangle(drawable: number, gc: number, rects: number[]): void;
    CreatePixmap(pid: number, drawable: number, depth: number, width: number, height: number): void;
    FreePixmap(pixmap: number): void;
    CopyArea(
      src: number,
      dst: number,
      gc: number,
      srcX: number,
      srcY: number,
      dstX: number,
      dstY: number,
      width: number,
      height: number,
    ): void;
    PutImage(
      format: number,
      drawable: number,
      gc: number,
      w: number,
      h: number,
      x: number,
      y: number,
      leftPad: number,
      depth: number,
      data: Buffer,
    ): void;
    GetInputFocus(cb: Callback<{ focus: number; revertTo: number }>): void;
    SetInputFocus(wid: number, revertTo: number): void;
    QueryPointer(
      wid: number,
      cb: Callback<{ rootX: number; rootY: number; keyMask: number; child: number }>,
    ): void;
    QueryKeymap(cb: Callback<Buffer>): void;
    GetKeyboardMapping(start: number, count: number, cb: Callback<number[][]>): void;
    ChangeKeyboardMapping(first: number, keysymsPerKeycode: number, keysyms: number[]): void;
    GetModifierMapping(cb: Callback<number[][]>): void;
    GetGeometry(
      drawable: number,
      cb: Callback<{ width: number; height: number; x: number; y: number }>,
    ): void;
    InternAtom(onlyIfExists: boolean, name: string, cb: Callback<number>): void;
    GetImage(
      format: number,
      drawable: number,
      x: number,
      y: number,
      width: number,
      height: number,
      planeMask: number,
      cb: Callback<{ depth: number; visualId: number; data: Buffer }>,
    ): void;
    terminate(): void;
  }

  export interface DamageExt {
    majorOpcode: number;
    firstEvent: number;
    ReportLevel: { RawRectangles: 0; DeltaRectangles: 1; BoundingBox: 2; NonEmpty: 3 };
    Create(damage: number, drawable: number, level: number): void;
    Destroy(damage: number): void;
    Subtract(damage: number, repair: number, parts: number): void;
  }
  export interface CursorImage {
    x: number;
    y: number;
    width: number;
    height: number;
    xhot: number;
    yhot: number;
    cursorSerial: number;
    /** width*height ARGB32 pixels (native-endian CARD32), premultiplied alpha. */
    cursorImage: Buffer;
  }
  export interface FixesExt {
    majorOpcode: number;
    firstEvent: number;
    CursorNotifyMask: { DisplayCursor: number };
    SelectCursorInput(window: number, mask: number): void;
    SelectionEventMask: { SetSelectionOwner: number; SelectionWindowDestroy: number; SelectionClientClose: number };
    /** XFIXES 2: SelectionNotify events (name 'SelectionNotify', with `owner` and `selection`) on `window`. */
    SelectSelectionInput(window: number, selection: number, eventMask: number): void;
    GetCursorImage(cb: Callback<CursorImage>): void;
    CreateRegion(region: number, rects: Array<{ x: number; y: number; width: number; height: number }>): void;
    DestroyRegion(region: number): void;
    FetchRegion(
      region: number,
      cb: Callback<{
        extents: unknown;
        rectangles: Array<{ x: number; y: number; width: number; height: number }>;
      }>,
    ): void;
  }
  export interface XTestExt {
    KeyPress: 2;
    KeyRelease: 3;
    ButtonPress: 4;
    ButtonRelease: 5;
    MotionNotify: 6;
    FakeInput(type: number, detail: number, time: number, window: number, x: number, y: number): void;
  }
  /** A MIT-SHM segment attached to the server (x11's provider-backed segment API). */
  export interface ShmSegment {
    shmseg: number;
    size: number;
    buffer: Buffer;
    zeroCopy: boolean;
    getImage(
      drawable: number,
      x: number,
      y: number,
      width: number,
      height: number,
      planeMask: number,
      format: number,
      offset: number,
      cb: Callback<{ depth: number; visual: number; size: number }>,
    ): void;
    detach(cb?: () => void): void;
  }
  export interface ShmExt {
    /** null when no segment can be made for this connection (remote, or no fd passing). */
    provider: unknown;
    createSegment(size: number, cb: Callback<ShmSegment>): void;
  }
  export interface RandrExt {
    firstEvent: number;
    NotifyMask: Record<string, number>;
    SelectInput(window: number, mask: number): void;
  }

  export interface CreateClientOptions {
    display?: string;
    auth?: { name: string; data: string };
    /** false/'off': a plain socket; true: the package's own segment provider; an object: that provider. */
    shm?: boolean | 'off' | object;
    disableBigRequests?: boolean;
    /** An already-open duplex to the server, used instead of connecting by display name. */
    stream?: import('node:stream').Duplex;
  }
  export function createClient(
    options: CreateClientOptions,
    cb: (err: Error | undefined, display: X11Display) => void,
  ): X11Client;
  export const eventMask: Record<string, number>;
  const x11: { createClient: typeof createClient; eventMask: typeof eventMask };
  export default x11;
}
