// Accumulates changed rectangles into a few covering rectangles: the region a lossless refinement sends.
import type { Rect } from '../protocol/index.js';

const MAX_RECTS = 16;

/** A set of rectangles that covers everything added; overlapping or near-adjacent ones are merged. */
export class DirtyRegion {
  private rects: Rect[] = [];

  get isEmpty(): boolean {
    return this.rects.length === 0;
  }

  add(r: Rect): void {
    if (r.width <= 0 || r.height <= 0) return;
    let cur = { ...r };
    // Merge with every rectangle whose union wastes little, until nothing more merges.
    for (let merged = true; merged;) {
      merged = false;
      for (let i = 0; i < this.rects.length; i++) {
        const o = this.rects[i]!;
        const u = union(cur, o);
        if (area(u) <= (area(cur) + area(o)) * 1.25 || contains(u, cur, o)) {
          cur = u;
          this.rects.splice(i, 1);
          merged = true;
          break;
        }
      }
    }
    this.rects.push(cur);
    while (this.rects.length > MAX_RECTS) this.mergeCheapestPair();
  }

  addAll(rs: readonly Rect[]): void {
    for (const r of rs) this.add(r);
  }

  /** Returns the rectangles and empties the region. */
  take(): Rect[] {
    const out = this.rects;
    this.rects = [];
    return out;
  }

  private mergeCheapestPair(): void {
    let best = { i: 0, j: 1, waste: Infinity };
    for (let i = 0; i < this.rects.length; i++) {
      for (let j = i + 1; j < this.rects.length; j++) {
        const a = this.rects[i]!;
        const b = this.rects[j]!;
        const waste = area(union(a, b)) - area(a) - area(b);
        if (waste < best.waste) best = { i, j, waste };
      }
    }
    const u = union(this.rects[best.i]!, this.rects[best.j]!);
    this.rects.splice(best.j, 1);
    this.rects.splice(best.i, 1);
    this.add(u);
  }
}

function area(r: Rect): number {
  return r.width * r.height;
}

function union(a: Rect, b: Rect): Rect {
  const x = Math.min(a.x, b.x);
  const y = Math.min(a.y, b.y);
  return {
    x,
    y,
    width: Math.max(a.x + a.width, b.x + b.width) - x,
    height: Math.max(a.y + a.height, b.y + b.height) - y,
  };
}

/** True when the union is exactly one of the two (one contains the other). */
function contains(u: Rect, a: Rect, b: Rect): boolean {
  return area(u) === area(a) || area(u) === area(b);
}
