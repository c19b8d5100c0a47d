// A picture of a session's screen, for `dcv get-screenshot` and the web session list's thumbnails: the
// session's X display (Xvnc for a virtual session, the host's server for a console) grabbed through X11, whole
// (every head of its layout).
import { captureDisplayScreenshot, type ScreenshotOptions } from '../codec/screenshot.js';
import { boundingBox } from '../display/display-layout.js';
import type { Session } from '../session/session.js';

export function sessionScreenshot(s: Session, options: ScreenshotOptions): Promise<Buffer> {
  return captureDisplayScreenshot(s.x11Display, s.x11Authority, boundingBox(s.layout()), options);
}
