// How every ffmpeg we run takes a screen: quiet, no keyboard, raw pixels of the framebuffer's format on stdin.

export function rawVideoInputArgs(pixFmt: string, width: number, height: number): string[] {
  return [
    '-hide_banner',
    '-loglevel',
    'error',
    '-nostdin',
    '-f',
    'rawvideo',
    '-pix_fmt',
    pixFmt,
    '-s',
    `${width}x${height}`,
  ];
}
