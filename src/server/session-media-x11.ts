// Opens a session's media pipeline: the X connection (damage, cursor, input) and the H.264 streamer.
import type { DcvConfig } from '../config/index.js';
import type { Session } from '../session/session.js';
import type { Logger } from './logger.js';
import type { SessionMedia } from './session-media.js';

export async function openSessionMedia(session: Session, _config: DcvConfig, _log: Logger): Promise<SessionMedia> {
  throw new Error(`streaming session '${session.id}' is not available yet`);
}
