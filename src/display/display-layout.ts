// A session's display layout: its heads (monitors) as DCV writes them, `WxH+X+Y[,WxH+X+Y…]`, parsed, printed,
// normalised to the screen X will hold, and checked against dcv.conf's [display] limits. No I/O.
import { DcvError } from '../errors.js';

/** One head: its size and where it sits on the screen (offsets may be negative before normalising). */
export interface DisplayHead {
  readonly width: number;
  readonly height: number;
  readonly x: number;
  readonly y: number;
}

/** dcv.conf [display] limits on what a client may ask for (DCV-REFERENCE §2). */
export interface LayoutLimits {
  readonly maxHeadResolution: readonly [number, number];
  readonly minHeadResolution: readonly [number, number];
  /** Applies to web-client requests only; (0, 0) = no limit. */
  readonly webClientMaxHeadResolution: readonly [number, number];
  readonly maxNumHeads: number;
  /** Total pixels of all heads; 0 = no limit. */
  readonly maxLayoutArea: number;
}

const HEAD = /^(\d{1,5})x(\d{1,5})(?:([+-]\d{1,6})([+-]\d{1,6}))?$/;

/** Parses `1920x1080+0+0,1280x1024+1920+0` (an omitted offset is +0+0); a USAGE DcvError says what is wrong. */
export function parseLayout(text: string): DisplayHead[] {
  const parts = text.split(',').map((p) => p.trim());
  if (text.trim() === '' || parts.some((p) => p === ''))
    throw new DcvError('USAGE', `"${text}" is not a display layout like 1920x1080+0+0,1280x1024+1920+0.`);
  return parts.map((p) => {
    const m = HEAD.exec(p);
    if (!m)
      throw new DcvError(
        'USAGE',
        `"${p}" is not a head like 1920x1080+0+0 (WIDTHxHEIGHT, then optional +X+Y offsets).`,
      );
    const head = { width: Number(m[1]), height: Number(m[2]), x: Number(m[3] ?? 0), y: Number(m[4] ?? 0) };
    if (head.width === 0 || head.height === 0) throw new DcvError('USAGE', `"${p}" has a zero size.`);
    return head;
  });
}

/** `800x600+0+0,800x600+800+0`, as describe-session prints it. */
export function formatLayout(heads: readonly DisplayHead[]): string {
  const off = (v: number): string => (v < 0 ? `${v}` : `+${v}`);
  return heads.map((h) => `${h.width}x${h.height}${off(h.x)}${off(h.y)}`).join(',');
}

/** The smallest screen holding every head. */
export function boundingBox(heads: readonly DisplayHead[]): { width: number; height: number } {
  const { x0, y0 } = origin(heads);
  let width = 0;
  let height = 0;
  for (const h of heads) {
    width = Math.max(width, h.x - x0 + h.width);
    height = Math.max(height, h.y - y0 + h.height);
  }
  return { width, height };
}

/**
 * The layout as the X screen holds it: shifted so the leftmost and topmost heads touch 0 (X has no negative
 * coordinates), each head's size rounded down to even (H.264 4:2:0 codes whole 2x2 blocks) and no smaller than 2.
 */
export function normalizeLayout(heads: readonly DisplayHead[]): DisplayHead[] {
  const { x0, y0 } = origin(heads);
  const even = (v: number): number => Math.max(2, v - (v % 2));
  return heads.map((h) => ({ width: even(h.width), height: even(h.height), x: h.x - x0, y: h.y - y0 }));
}

function origin(heads: readonly DisplayHead[]): { x0: number; y0: number } {
  return {
    x0: Math.min(...heads.map((h) => h.x)),
    y0: Math.min(...heads.map((h) => h.y)),
  };
}

/** Who asks: the web client has its own head limit (web-client-max-head-resolution). */
export type LayoutRequester = 'web-client' | 'administrator';

/**
 * Refuses a layout outside the limits with LAYOUT_REFUSED naming the [display] key and its value; heads must
 * not overlap (X would show the overlap twice and the web client could not place them).
 */
export function checkLayout(heads: readonly DisplayHead[], limits: LayoutLimits, who: LayoutRequester): void {
  const refuse = (why: string): never => {
    throw new DcvError('LAYOUT_REFUSED', `The display layout ${formatLayout(heads)} is refused: ${why}.`);
  };
  const pair = (p: readonly [number, number]): string => `(${p[0]}, ${p[1]})`;
  if (heads.length === 0) refuse('it has no heads');
  if (heads.length > limits.maxNumHeads)
    refuse(`it has ${heads.length} heads and [display] max-num-heads is ${limits.maxNumHeads}`);
  const [maxW, maxH] = limits.maxHeadResolution;
  const [minW, minH] = limits.minHeadResolution;
  const [webW, webH] = limits.webClientMaxHeadResolution;
  let area = 0;
  for (const h of heads) {
    const size = `${h.width}x${h.height}`;
    if (h.width > maxW || h.height > maxH)
      refuse(`head ${size} exceeds [display] max-head-resolution ${pair(limits.maxHeadResolution)}`);
    if (h.width < minW || h.height < minH)
      refuse(`head ${size} is below [display] min-head-resolution ${pair(limits.minHeadResolution)}`);
    if (who === 'web-client' && (webW > 0 || webH > 0) && (h.width > webW || h.height > webH))
      refuse(
        `head ${size} exceeds [display] web-client-max-head-resolution ${pair(limits.webClientMaxHeadResolution)}`,
      );
    area += h.width * h.height;
  }
  if (limits.maxLayoutArea > 0 && area > limits.maxLayoutArea)
    refuse(`its ${area} pixels exceed [display] max-layout-area ${limits.maxLayoutArea}`);
  for (let i = 0; i < heads.length; i++)
    for (let j = i + 1; j < heads.length; j++) {
      const a = heads[i]!;
      const b = heads[j]!;
      if (a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height)
        refuse(`heads ${i + 1} and ${j + 1} overlap`);
    }
}

/**
 * A web client's wish (its window size) fitted into the limits instead of refused: each head is clamped to
 * the largest and smallest allowed size, keeping as much of the window as the limits let it have.
 */
export function clampHead(
  width: number,
  height: number,
  limits: LayoutLimits,
): { width: number; height: number } {
  let [maxW, maxH] = limits.maxHeadResolution;
  const [webW, webH] = limits.webClientMaxHeadResolution;
  if (webW > 0) maxW = Math.min(maxW, webW);
  if (webH > 0) maxH = Math.min(maxH, webH);
  const [minW, minH] = limits.minHeadResolution;
  let w = Math.max(minW, Math.min(maxW, Math.round(width)));
  let h = Math.max(minH, Math.min(maxH, Math.round(height)));
  if (limits.maxLayoutArea > 0 && w * h > limits.maxLayoutArea) {
    const k = Math.sqrt(limits.maxLayoutArea / (w * h));
    w = Math.floor(w * k);
    h = Math.floor(h * k);
  }
  return { width: w - (w % 2), height: h - (h % 2) };
}
