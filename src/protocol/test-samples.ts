// One sample of every message type, shared by the protocol tests (not part of the shipped module's API).
import type { Message } from './messages.js';

const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2, 3, 4]);

export const samples: readonly Message[] = [
  {
    type: 'connection-list',
    canDisconnect: true,
    connections: [
      { connectionId: 1, username: 'alice', address: '127.0.0.1:50000', owner: true },
      { connectionId: 2, username: 'bob', address: '[::1]:40000', owner: false },
    ],
  },
  { type: 'connection-list', canDisconnect: false, connections: [] },
  { type: 'disconnect-viewer', connectionId: 0xffffffff },
  {
    type: 'client-hello',
    protocolVersion: 1,
    clientVersion: '2026.0.0',
    codecs: ['h264', 'png'],
    viewportWidth: 1920,
    viewportHeight: 1080,
    sessionId: 'alice-desk',
    authToken: 'tok',
    username: 'alice',
    password: 'pässword',
  },
  {
    type: 'client-hello',
    protocolVersion: 1,
    clientVersion: '2017.0.0',
    codecs: [],
    viewportWidth: 0,
    viewportHeight: 0,
    sessionId: '',
  },
  {
    type: 'server-hello',
    protocolVersion: 1,
    serverVersion: '2026.0.0',
    sessionId: 'alice-desk',
    connectionId: 7,
    screenWidth: 1920,
    screenHeight: 1080,
    codec: 'h264',
    features: 0x1f,
  },
  {
    type: 'video-frame',
    keyframe: true,
    sequence: 42,
    timestampUs: 1_234_567_890,
    width: 640,
    height: 480,
    rects: [],
    data: new Uint8Array([0, 0, 0, 1, 0x65, 0x88]),
  },
  {
    type: 'video-frame',
    keyframe: false,
    sequence: 0xffffffff,
    timestampUs: 0.5,
    width: 1,
    height: 1,
    rects: [],
    data: new Uint8Array([9]),
  },
  {
    type: 'video-frame',
    keyframe: false,
    sequence: 7,
    timestampUs: 99,
    width: 1920,
    height: 1080,
    rects: [
      { x: 0, y: 0, width: 1920, height: 80 },
      { x: 1632, y: 0, width: 192, height: 80 },
    ],
    data: new Uint8Array([0, 0, 1, 0x41]),
  },
  { type: 'lossless-rect', x: 10, y: 20, width: 30, height: 40, png },
  {
    type: 'cursor-shape',
    cursorId: 3,
    hotspotX: 1,
    hotspotY: 0,
    width: 2,
    height: 1,
    rgba: new Uint8Array([255, 0, 0, 255, 0, 0, 0, 0]),
  },
  {
    type: 'cursor-shape',
    cursorId: 4,
    hotspotX: 0,
    hotspotY: 0,
    width: 0,
    height: 0,
    rgba: new Uint8Array(0),
  },
  { type: 'cursor-position', x: 65535, y: 0 },
  { type: 'screen-size', width: 1920, height: 1080 },
  { type: 'key', keysym: 0x61, down: true },
  { type: 'key', keysym: 0x0100263a, down: false },
  { type: 'pointer', x: 100, y: 200, buttons: 0b10101 },
  { type: 'wheel', dx: -32768, dy: 32767 },
  { type: 'clipboard-text', text: 'héllo ✓ 🎉' },
  { type: 'clipboard-text', text: '' },
  { type: 'clipboard-image', png: new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2, 3]) },
  { type: 'frame-shown', sequence: 42, timestampUs: 1_234_567_890 },
  { type: 'request-keyframe' },
  { type: 'ping', nonce: 1, timestampUs: 99 },
  { type: 'pong', nonce: 0xffffffff, timestampUs: 2 ** 53 },
  { type: 'close', code: 4003, reason: 'Client 2016.0.0 is too old' },
];

export function hexToBytes(hex: string): Uint8Array {
  const clean = hex.replace(/\s+/g, '');
  const out = new Uint8Array(clean.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(clean.slice(i * 2, i * 2 + 2), 16);
  return out;
}

export function bytesToHex(b: Uint8Array): string {
  return [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
}
