// The typed failure of decoding one message: what was wrong, where, and which close code and error-catalogue
// code a peer should answer it with. Decoding returns these; it never throws on hostile input.
import { CloseCode } from './close-code.js';

export type ProtocolErrorKind =
  | 'empty'
  | 'unknown-type'
  | 'wrong-direction'
  | 'too-large'
  | 'truncated'
  | 'trailing-bytes'
  | 'invalid-field'
  | 'invalid-utf8';

export interface ProtocolError {
  readonly kind: ProtocolErrorKind;
  /** One line for logs and for the Close reason sent to the peer. */
  readonly message: string;
  /** The type byte, when there was one. */
  readonly messageType?: number;
  /** Byte offset where decoding stopped, when it applies. */
  readonly offset?: number;
}

export type DecodeResult<M> =
  { readonly ok: true; readonly message: M } | { readonly ok: false; readonly error: ProtocolError };

/** The close code to send when a peer's message fails to decode: the connection ends, nothing else does. */
export function closeCodeFor(error: ProtocolError): number {
  return error.kind === 'too-large' ? CloseCode.MessageTooLarge : CloseCode.ProtocolError;
}

/** The error-catalogue code (src/errors.ts) to log for a decode failure. */
export function errorCodeFor(error: ProtocolError): 'PROTOCOL_MESSAGE_TOO_LARGE' | 'PROTOCOL_MALFORMED' {
  return error.kind === 'too-large' ? 'PROTOCOL_MESSAGE_TOO_LARGE' : 'PROTOCOL_MALFORMED';
}
