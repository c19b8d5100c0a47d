// The smoke test's viewer: asks the new server (over its control socket) for a login token for the test
// session, connects to the web endpoint as a viewer would, and waits for the first video frame. This is the
// seed's "test the server by starting a session", checked the way a person would: a picture arrives.
import WebSocket from 'ws';
import { DcvError } from '../errors.js';
import type { HostPaths } from '../host-paths.js';
import { decodeServerMessage, encodeMessage, PROTOCOL_VERSION } from '../protocol/index.js';
import { callServer } from '../server/control/control-socket.js';
import { formatHostPort } from '../config/listen-endpoint.js';
import { SERVER_VERSION } from '../version/current.js';
import { viewerAddress } from './viewer-probe.js';

const FRAME_TIMEOUT_MS = 20_000;

/** Resolves when a key frame of `session` arrives over the viewer protocol; throws with the reason otherwise. */
export async function receiveFirstFrame(paths: HostPaths, session: string): Promise<{ bytes: number }> {
  const { token } = await callServer(paths.controlSocket, 'create-viewer-token', { id: session });
  const { host, port, path } = viewerAddress(paths);
  const base = path.endsWith('/') ? path : `${path}/`;
  const url = `wss://${formatHostPort(host, port)}${base}ws`;
  // The certificate is often self-signed; the smoke test asks whether the server streams, not whom to trust.
  const ws = new WebSocket(url, { rejectUnauthorized: false, origin: `https://${host}:${port}` });
  ws.binaryType = 'nodebuffer';
  try {
    return await new Promise<{ bytes: number }>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new DcvError('SCREENSHOT_FAILED', `no video frame from the test session within ${FRAME_TIMEOUT_MS / 1000} s`)),
        FRAME_TIMEOUT_MS,
      );
      const fail = (why: string): void => {
        clearTimeout(timer);
        reject(new DcvError('SCREENSHOT_FAILED', `the test viewer got no frame: ${why}`));
      };
      ws.on('error', (e) => fail(e.message));
      ws.on('close', (code, reason) => fail(`connection closed (${code}${reason.length ? `: ${reason.toString()}` : ''})`));
      ws.on('open', () => {
        ws.send(
          encodeMessage({
            type: 'client-hello',
            protocolVersion: PROTOCOL_VERSION,
            clientVersion: SERVER_VERSION,
            codecs: ['h264'],
            viewportWidth: 1920,
            viewportHeight: 1080,
            sessionId: session,
            authToken: token,
          }),
        );
      });
      ws.on('message', (data: Buffer) => {
        const m = decodeServerMessage(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
        if (!m.ok) return fail(m.error.message);
        if (m.message.type === 'close') return fail(`${m.message.code}: ${m.message.reason}`);
        if (m.message.type === 'video-frame' && m.message.keyframe) {
          clearTimeout(timer);
          resolve({ bytes: m.message.data.byteLength });
        }
      });
    });
  } finally {
    ws.removeAllListeners('close');
    ws.on('error', () => undefined);
    ws.close();
  }
}
