// The pixel size a PNG declares in its IHDR chunk, for [clipboard] max-image-area; null when the bytes
// are not a PNG.
const SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

export function pngSize(data: Uint8Array): { width: number; height: number } | null {
  if (data.byteLength < 24 || !SIGNATURE.every((b, i) => data[i] === b)) return null;
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  if (String.fromCharCode(...data.subarray(12, 16)) !== 'IHDR') return null;
  return { width: view.getUint32(16), height: view.getUint32(20) };
}
