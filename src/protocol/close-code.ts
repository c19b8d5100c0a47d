// Close codes of the viewer protocol. They live in WebSocket's private range (4000–4999) plus the two
// standard ones, so a peer can put the same number in the Close message and in the WebSocket close frame.

export const CloseCode = {
  /** The user or administrator ended the connection normally. */
  Normal: 1000,
  /** The server is shutting down or the page is being left. */
  GoingAway: 1001,
  /** A message could not be decoded (malformed, wrong direction, unknown type). */
  ProtocolError: 4001,
  /** A message exceeded its type's size limit. */
  MessageTooLarge: 4002,
  /** The client version or protocol version is not accepted; the reason names both versions. */
  VersionRefused: 4003,
  /** No session has the requested id (or the user may not see it). */
  SessionNotFound: 4004,
  /** Authentication failed. */
  AuthenticationFailed: 4005,
  /** The user may not connect to this session. */
  PermissionDenied: 4006,
  /** The session's max-concurrent-clients is reached. */
  TooManyClients: 4007,
  /** An administrator closed this connection (`dcv close-connection`). */
  ClosedByAdministrator: 4008,
  /** The session was closed. */
  SessionClosed: 4009,
  /** The client decodes none of the codecs the server can send. */
  NoCommonCodec: 4010,
  /** The server failed internally; its log has details. */
  ServerError: 4011,
  /** The client did not send its ClientHello in time. */
  HandshakeTimeout: 4012,
  /** The license refuses new connections (expired, wrong host, over its limit); the reason says which. */
  LicenseRefused: 4013,
} as const;

export type CloseCodeName = keyof typeof CloseCode;

/**
 * Whether a viewer should try again after this close. Refusals that would only repeat (wrong version, no such
 * session, bad credentials, closed on purpose) stop the reconnect loop; transient failures do not.
 */
export function isRetryableClose(code: number): boolean {
  switch (code) {
    case CloseCode.Normal:
    case CloseCode.VersionRefused:
    case CloseCode.SessionNotFound:
    case CloseCode.AuthenticationFailed:
    case CloseCode.PermissionDenied:
    case CloseCode.ClosedByAdministrator:
    case CloseCode.SessionClosed:
    case CloseCode.NoCommonCodec:
    case CloseCode.LicenseRefused:
    case CloseCode.ProtocolError:
    case CloseCode.MessageTooLarge:
      return false;
    default:
      return true;
  }
}
