// What `[display] target-fps` means for the streamer, decided where the configuration is read: a plain
// maximum frame rate. DCV's -1 is "auto" and 0 "unlimited"; frame pacing already holds capture back to what
// the viewers show, so both mean "as fast as the viewers take frames", up to MAX_FRAME_RATE.

/** The most frames per second any session is captured at. */
export const MAX_FRAME_RATE = 60;

/** `target-fps` as frames per second at most: -1 and 0 are MAX_FRAME_RATE, a positive value a cap below it. */
export function maxFrameRate(targetFps: number): number {
  return targetFps <= 0 ? MAX_FRAME_RATE : Math.min(MAX_FRAME_RATE, targetFps);
}
