// What the viewer does after a close, by close code: try again soon with back-off (the network or the server
// went away), keep checking at a slow pace (the session is missing, ended, full or refused by the license:
// a page left open picks the session up again when it is back), or stop (a refusal that only a person can
// change: wrong version, no permission, closed on purpose).
import { CloseCode, isRetryableClose } from '../../src/protocol/close-code.js';

export type RetryPolicy = 'backoff' | 'poll' | 'stop';

/** How often a waiting page asks again whether its session is back. */
export const POLL_INTERVAL_MS = 5000;

export function retryPolicy(code: number): RetryPolicy {
  switch (code) {
    case CloseCode.SessionNotFound:
    case CloseCode.SessionClosed:
    case CloseCode.LicenseRefused:
    case CloseCode.TooManyClients:
    case CloseCode.ServerError:
      return 'poll';
    default:
      return isRetryableClose(code) ? 'backoff' : 'stop';
  }
}
