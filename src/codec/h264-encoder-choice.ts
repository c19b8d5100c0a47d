// Which ffmpeg H.264 encoder a session's video uses: a hardware encoder when ffmpeg has one and the host has
// its device, proven by encoding one test frame at server start; libx264 otherwise. Every candidate keeps the
// stream WebCodecs decodes and the pipeline needs: 4:2:0, no B-frames, a frame out for every frame in.
import { existsSync, readdirSync } from 'node:fs';
import { FlvH264Demuxer } from './flv-h264-demuxer.js';
import { rawVideoInputArgs } from './ffmpeg-raw-input.js';
import { runFfmpeg } from './run-ffmpeg.js';

/** A hung driver must not hold the server's start for long. */
const PROBE_TIMEOUT_MS = 10_000;

/** What an encoder's arguments may depend on. */
export interface EncodeSettings {
  /** Quality: libx264's CRF, or the constant QP of a hardware encoder (lower is better and bigger). */
  quality: number;
  /** Frames between key frames. */
  gop: number;
  /** Encoder threads (software only). */
  threads: number;
}

export interface H264EncoderKind {
  /** ffmpeg's name for it: libx264, h264_nvenc, h264_vaapi, h264_qsv. */
  readonly name: string;
  readonly hardware: boolean;
  /** ffmpeg options before the input (a device to open). */
  readonly globalArgs: readonly string[];
  /** ffmpeg options after the input: filters, the encoder and its low-latency settings. */
  outputArgs(s: EncodeSettings): string[];
  /**
   * Options that make input frame `n` an IDR key frame, for an encoder that is warmed up with `n` throwaway
   * frames first (see FfmpegH264); absent where that is not verified to work.
   */
  keyFrameAt?(n: number): string[];
}

export const LIBX264: H264EncoderKind = {
  name: 'libx264',
  hardware: false,
  globalArgs: [],
  outputArgs: (s) => [
    '-c:v',
    'libx264',
    '-preset',
    'ultrafast',
    '-tune',
    'zerolatency',
    '-pix_fmt',
    'yuv420p',
    // The bgr0 → yuv420p conversion is the same size, so the scaler only subsamples chroma: point sampling
    // does it in ~2.5 ms less per 1080p frame than the default bicubic filter (22.7 → 20.0 ms CPU per frame
    // with the encode), and the picture is refined to lossless once it settles anyway.
    '-sws_flags',
    'neighbor',
    '-threads',
    String(s.threads),
    '-bf',
    '0',
    '-crf',
    String(s.quality),
    '-g',
    String(s.gop),
    '-keyint_min',
    String(s.gop),
    '-sc_threshold',
    '0',
  ],
  keyFrameAt: (n) => ['-force_key_frames', `expr:eq(n,${n})`, '-forced-idr', '1'],
};

/** NVIDIA: NVENC takes the BGRX pixels as they are and converts on the GPU. */
const NVENC: H264EncoderKind = {
  name: 'h264_nvenc',
  hardware: true,
  globalArgs: [],
  outputArgs: (s) => [
    '-c:v',
    'h264_nvenc',
    '-preset',
    'p1',
    '-tune',
    'ull',
    '-zerolatency',
    '1',
    '-delay',
    '0',
    '-rc',
    'constqp',
    '-qp',
    String(s.quality),
    '-bf',
    '0',
    '-g',
    String(s.gop),
    '-forced-idr',
    '1',
  ],
};

/** Intel and AMD through VA-API: upload as NV12, encode on the render node. */
function vaapi(renderNode: string): H264EncoderKind {
  return {
    name: 'h264_vaapi',
    hardware: true,
    globalArgs: ['-vaapi_device', renderNode],
    outputArgs: (s) => [
      '-vf',
      'format=nv12,hwupload',
      '-c:v',
      'h264_vaapi',
      '-rc_mode',
      'CQP',
      '-qp',
      String(s.quality),
      '-bf',
      '0',
      '-g',
      String(s.gop),
    ],
  };
}

/** Intel Quick Sync. */
const QSV: H264EncoderKind = {
  name: 'h264_qsv',
  hardware: true,
  globalArgs: [],
  outputArgs: (s) => [
    '-pix_fmt',
    'nv12',
    '-c:v',
    'h264_qsv',
    '-preset',
    'veryfast',
    '-look_ahead',
    '0',
    '-async_depth',
    '1',
    '-q',
    String(s.quality),
    '-bf',
    '0',
    '-g',
    String(s.gop),
  ],
};

export interface EncoderChoice {
  kind: H264EncoderKind;
  /** Why each hardware encoder was not taken, for the server log ("h264_nvenc: no /dev/nvidiactl"). */
  passedOver: string[];
}

/** The first DRM render node (/dev/dri/renderD128 …), which VA-API and Quick Sync open. */
function renderNode(devDir: string): string | undefined {
  try {
    const node = readdirSync(`${devDir}/dri`)
      .filter((n) => n.startsWith('renderD'))
      .sort()[0];
    return node === undefined ? undefined : `${devDir}/dri/${node}`;
  } catch {
    return undefined;
  }
}

/** The hardware candidates in order of preference, each with the device it needs (or why it is missing). */
export function hardwareCandidates(devDir = '/dev'): { kind: H264EncoderKind; missing?: string }[] {
  const node = renderNode(devDir);
  const noNode = `no ${devDir}/dri/renderD* device`;
  return [
    existsSync(`${devDir}/nvidiactl`) ? { kind: NVENC } : { kind: NVENC, missing: `no ${devDir}/nvidiactl` },
    node !== undefined ? { kind: vaapi(node) } : { kind: vaapi(`${devDir}/dri/renderD128`), missing: noNode },
    node !== undefined ? { kind: QSV } : { kind: QSV, missing: noNode },
  ];
}

/** The H.264 encoders this ffmpeg was built with (`ffmpeg -encoders`). */
export async function listedEncoders(ffmpegPath = 'ffmpeg'): Promise<Set<string>> {
  const out = await runFfmpeg(ffmpegPath, ['-hide_banner', '-encoders'], Buffer.alloc(0), {
    timeoutMs: PROBE_TIMEOUT_MS,
  });
  const names = new Set<string>();
  for (const line of out.stdout.toString().split('\n')) {
    const m = /^\s*V\S*\s+(\S+)\s/.exec(line);
    if (m) names.add(m[1]!);
  }
  return names;
}

const PROBE_SIZE = 256;

/**
 * Encodes one black 256x256 frame with the encoder and checks that an H.264 key frame comes out. Resolves to
 * undefined when it works, or to why not (ffmpeg's own message, shortened).
 */
export async function probeEncoder(
  kind: H264EncoderKind,
  ffmpegPath = 'ffmpeg',
): Promise<string | undefined> {
  const args = [
    ...kind.globalArgs,
    ...rawVideoInputArgs('bgr0', PROBE_SIZE, PROBE_SIZE),
    '-i',
    'pipe:0',
    ...kind.outputArgs({ quality: 23, gop: 30, threads: 1 }),
    '-frames:v',
    '1',
    '-f',
    'flv',
    'pipe:1',
  ];
  const r = await runFfmpeg(ffmpegPath, args, Buffer.alloc(PROBE_SIZE * PROBE_SIZE * 4), {
    timeoutMs: PROBE_TIMEOUT_MS,
  });
  let keyframe = false;
  try {
    new FlvH264Demuxer((au) => (keyframe ||= au.keyframe)).push(r.stdout);
  } catch {
    keyframe = false;
  }
  if (r.code === 0 && keyframe) return undefined;
  // ffmpeg's first line names the cause ("[h264_nvenc @ 0x…] Cannot load libcuda.so.1"); the rest is generic.
  const why = (r.stderr.trim().split('\n')[0] ?? '').replace(/^\[\S+ @ 0x[0-9a-f]+\] /, '');
  return why !== '' ? why.slice(0, 200) : `exit ${r.code ?? r.signal}, no H.264 key frame`;
}

/** Picks the encoder for this host: the first hardware candidate ffmpeg lists and can use, else libx264. */
export async function chooseH264Encoder(ffmpegPath = 'ffmpeg', devDir = '/dev'): Promise<EncoderChoice> {
  let listed: Set<string>;
  try {
    listed = await listedEncoders(ffmpegPath);
  } catch {
    return { kind: LIBX264, passedOver: ['cannot list ffmpeg encoders'] };
  }
  const passedOver: string[] = [];
  for (const { kind, missing } of hardwareCandidates(devDir)) {
    if (!listed.has(kind.name)) passedOver.push(`${kind.name}: not in this ffmpeg`);
    else if (missing !== undefined) passedOver.push(`${kind.name}: ${missing}`);
    else {
      const why = await probeEncoder(kind, ffmpegPath);
      if (why === undefined) return { kind, passedOver };
      passedOver.push(`${kind.name}: ${why}`);
    }
  }
  return { kind: LIBX264, passedOver };
}
