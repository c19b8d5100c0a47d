// A picture of a session's screen, for `dcv get-screenshot` and the web session list's thumbnails: a virtual
// session's framebuffer is read directly; a console display is grabbed through X11.
import { captureDisplayScreenshot, captureScreenshot, type ScreenshotOptions } from '../codec/screenshot.js';
import type { Session } from '../session/session.js';

export function sessionScreenshot(s: Session, options: ScreenshotOptions): Promise<Buffer> {
  const head = s.layout()[0] ?? { width: 1920, height: 1080 };
  return s.framebufferPath !== null
    ? captureScreenshot(s.framebufferPath, options)
    : captureDisplayScreenshot(s.x11Display, s.x11Authority, head, options);
}
