// Screen pixels → I420 (yuv420p) for the H.264 encoders, through native/yuv-convert.c (libyuv) when that
// module loads; otherwise the encoder hands ffmpeg the 32-bit pixels and lets swscale convert.
import { nativeAddon } from '../host/native-addon.js';

interface YuvAddon {
  toI420(
    src: Uint8Array,
    srcStride: number,
    width: number,
    height: number,
    rgbOrder: boolean,
    dst: Uint8Array,
  ): void;
}

/** The libyuv module, or null where it was not built (no libyuv-dev) or libyuv is missing on this host. */
function load(): YuvAddon | null {
  try {
    return nativeAddon<YuvAddon>('opendcv_yuv');
  } catch {
    return null;
  }
}

/** Bytes of a width×height I420 frame: Y, then U and V at half resolution each way. */
export function i420Size(width: number, height: number): number {
  return width * height + 2 * Math.ceil(width / 2) * Math.ceil(height / 2);
}

/** Converts one tightly packed frame (width*4 bytes per row) into `dst` (i420Size bytes). */
export type I420Converter = (src: Uint8Array, width: number, height: number, dst: Uint8Array) => void;

/** A converter for frames of this pixel layout, or undefined when the native module is missing or cannot. */
export function i420Converter(pixFmt: string): I420Converter | undefined {
  const native = load();
  if (native === null || (pixFmt !== 'bgr0' && pixFmt !== 'rgb0')) return undefined;
  const rgbOrder = pixFmt === 'rgb0';
  return (src, width, height, dst) => native.toI420(src, width * 4, width, height, rgbOrder, dst);
}
