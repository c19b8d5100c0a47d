// The server's side of the handshake rules, pure so it is tested without sockets: given a ClientHello,
// accept it with a codec or refuse it with a close code and a reason the viewer shows to its user.
import { clientCompatibility, isVersion } from '../version/index.js';
import { chooseCodec } from './codecs.js';
import { CloseCode } from './close-code.js';
import { PROTOCOL_VERSION } from './message-type.js';
import type { ClientHello } from './messages.js';

export interface ServerOffer {
  /** This server's calendar version, e.g. SERVER_VERSION. */
  readonly serverVersion: string;
  /** Codecs the server can send, most preferred first. */
  readonly codecs: readonly string[];
}

export type HelloVerdict =
  | { readonly ok: true; readonly codec: string }
  | {
      readonly ok: false;
      /** For the Close message and the WebSocket close frame. */
      readonly closeCode: number;
      /** The error-catalogue code to log (src/errors.ts). */
      readonly errorCode: 'CLIENT_TOO_OLD' | 'PROTOCOL_VERSION_UNSUPPORTED' | 'NO_COMMON_CODEC';
      /** One line for the viewer's user, naming the versions involved. */
      readonly reason: string;
    };

export function evaluateClientHello(hello: ClientHello, offer: ServerOffer): HelloVerdict {
  // The product version is judged first: a pre-2017 client may speak an older wire protocol too, and its
  // user needs to hear the version rule, not a protocol number.
  if (!isVersion(hello.clientVersion)) {
    return {
      ok: false,
      closeCode: CloseCode.VersionRefused,
      errorCode: 'CLIENT_TOO_OLD',
      reason: `client version ${JSON.stringify(printable(hello.clientVersion))} is not a calendar version (YEAR.MINOR.PATCH); server ${offer.serverVersion} accepts clients 2017.0.0 or later.`,
    };
  }
  const verdict = clientCompatibility(offer.serverVersion, hello.clientVersion);
  if (!verdict.ok) {
    return {
      ok: false,
      closeCode: CloseCode.VersionRefused,
      errorCode: 'CLIENT_TOO_OLD',
      reason: capitalise(verdict.explanation),
    };
  }
  if (hello.protocolVersion !== PROTOCOL_VERSION) {
    return {
      ok: false,
      closeCode: CloseCode.VersionRefused,
      errorCode: 'PROTOCOL_VERSION_UNSUPPORTED',
      reason:
        `Client ${hello.clientVersion} speaks viewer protocol ${hello.protocolVersion}; server ${offer.serverVersion} ` +
        `speaks protocol ${PROTOCOL_VERSION}. Use the web client this server serves.`,
    };
  }
  const codec = chooseCodec(hello.codecs, offer.codecs);
  if (codec === undefined) {
    return {
      ok: false,
      closeCode: CloseCode.NoCommonCodec,
      errorCode: 'NO_COMMON_CODEC',
      reason:
        `The client decodes ${hello.codecs.length ? hello.codecs.join(', ') : 'no codecs'}; server ${offer.serverVersion} ` +
        `sends ${offer.codecs.join(', ')}. Use a browser with WebCodecs H.264 support.`,
    };
  }
  return { ok: true, codec };
}

function capitalise(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

function printable(s: string): string {
  const clean = s.replace(/[^\x20-\x7e]/g, '?');
  return clean.length > 40 ? `${clean.slice(0, 40)}…` : clean;
}
