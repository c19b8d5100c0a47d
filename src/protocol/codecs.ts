// Codec names exchanged in the handshake, and how a server picks one from the client's list.

/** H.264 as Annex-B access units (start codes, in-band SPS/PPS on key frames). */
export const CODEC_H264 = 'h264';
/** No video stream: every update arrives as LosslessRect PNGs (for clients without a video decoder). */
export const CODEC_PNG = 'png';

export const MAX_CODECS = 16;
export const MAX_CODEC_NAME = 32;
const CODEC_NAME = /^[a-z0-9][a-z0-9._-]*$/;

export function isValidCodecName(name: string): boolean {
  return name.length > 0 && name.length <= MAX_CODEC_NAME && CODEC_NAME.test(name);
}

/** The first of the server's codecs (in its order of preference) that the client can decode, or undefined. */
export function chooseCodec(
  clientCodecs: readonly string[],
  serverCodecs: readonly string[],
): string | undefined {
  return serverCodecs.find((c) => clientCodecs.includes(c));
}
