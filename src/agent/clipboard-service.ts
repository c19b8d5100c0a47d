// The session's X clipboard, run as the owner. Changes are noticed through XFIXES SelectionNotify (no
// polling); the data moves with xclip, which speaks ICCCM in full, INCR for large data included, reading
// and serving alike. A paste from a viewer makes an xclip the selection owner until someone copies again.
import { execFile, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import type { FixesExt, X11Client, X11Event } from 'x11';
import { call, closeXClient, openXClient } from '../display/x-client.js';
import {
  AgentEvent,
  isClipboardMime,
  type AgentConfiguration,
  type ClipboardMime,
  type ClipboardSettings,
} from './agent-api.js';
import type { IncomingRequest, LinkPeer, Reply } from './link-peer.js';
import { LinkRemoteError } from './link.js';
import type { AgentService } from './main.js';
import { pngSize } from './png-size.js';

type Selection = 'clipboard' | 'primary';
const TEXT_TARGETS = ['UTF8_STRING', 'text/plain;charset=utf-8', 'STRING', 'TEXT'];

export class ClipboardService implements AgentService {
  readonly prefix = 'clipboard.';
  private x: { client: X11Client; window: number; atoms: Record<Selection, number> } | null = null;
  private config: AgentConfiguration | null = null;
  private link: LinkPeer | null = null;
  /** Hash of what a viewer last pasted into each selection: seeing it come back is no copy. */
  private readonly pasted = new Map<Selection, string>();
  private readonly timers = new Map<Selection, NodeJS.Timeout>();
  private readonly reading = new Set<Selection>();

  async configure(config: AgentConfiguration, link: LinkPeer): Promise<void> {
    this.config = config;
    this.link = link;
    if (this.x !== null || !config.clipboard.enabled) return;
    // xclip finds the session's display as any X client does.
    process.env['DISPLAY'] = config.display;
    if (config.xauthority !== '') process.env['XAUTHORITY'] = config.xauthority;
    const { client, display } = await openXClient(config.display, config.xauthority || undefined);
    const fixes = await call<FixesExt>((cb) => client.require('fixes', cb));
    const window = client.AllocID();
    client.CreateWindow(window, display.screen[0]!.root, -10, -10, 1, 1, 0, 0, 0, 0, {});
    const atom = (name: string): Promise<number> => call<number>((cb) => client.InternAtom(false, name, cb));
    const atoms = { clipboard: await atom('CLIPBOARD'), primary: 1 /* XA_PRIMARY */ };
    const mask = fixes.SelectionEventMask.SetSelectionOwner;
    fixes.SelectSelectionInput(window, atoms.clipboard, mask);
    fixes.SelectSelectionInput(window, atoms.primary, mask);
    client.on('event', (e: X11Event) => {
      if (e.name !== 'SelectionNotify') return;
      const which =
        e['selection'] === atoms.clipboard
          ? 'clipboard'
          : e['selection'] === atoms.primary
            ? 'primary'
            : null;
      if (which !== null && e['owner'] !== 0) this.changed(which);
    });
    client.on('error', (e: Error) => process.stderr.write(`dcvagent: X connection: ${e.message}\n`));
    this.x = { client, window, atoms };
  }

  private get settings(): ClipboardSettings | null {
    return this.config?.clipboard ?? null;
  }

  /** A copy in the session: read it once things settle (update-timeout), then tell the server. */
  private changed(which: Selection): void {
    const s = this.settings;
    if (s === null || !s.enabled) return;
    if (which === 'primary' && !s.primarySelectionCopy) return;
    clearTimeout(this.timers.get(which));
    this.timers.set(
      which,
      setTimeout(() => void this.read(which), s.updateTimeoutMs),
    );
  }

  private async read(which: Selection): Promise<void> {
    if (this.reading.has(which)) {
      this.changed(which); // one read at a time; try again after this one
      return;
    }
    this.reading.add(which);
    try {
      const got = await readSelection(which, this.settings!);
      if (got === null) return;
      const hash = digest(got.mime, got.data);
      if (this.pasted.get(which) === hash) return; // what a viewer pasted, coming back
      this.link?.event(AgentEvent.ClipboardChanged, { selection: which, mime: got.mime }, got.data);
    } catch (e) {
      process.stderr.write(`dcvagent: reading the ${which} selection: ${(e as Error).message}\n`);
    } finally {
      this.reading.delete(which);
    }
  }

  async handle(request: IncomingRequest): Promise<Reply> {
    if (request.method !== 'clipboard.set')
      throw new LinkRemoteError('UNKNOWN_METHOD', `no method ${request.method}`);
    const s = this.settings;
    if (s === null || !s.enabled)
      throw new LinkRemoteError('CLIPBOARD_DISABLED', 'The clipboard is disabled on this server.');
    const mime = request.params['mime'];
    if (!isClipboardMime(mime))
      throw new LinkRemoteError('CLIPBOARD_FORMAT', `unsupported clipboard format ${String(mime)}`);
    const targets: Selection[] = s.primarySelectionPaste ? ['clipboard', 'primary'] : ['clipboard'];
    for (const which of targets) {
      this.pasted.set(which, digest(mime, request.body));
      await writeSelection(which, mime, request.body);
    }
    return {};
  }

  async dispose(): Promise<void> {
    for (const t of this.timers.values()) clearTimeout(t);
    if (this.x !== null) closeXClient(this.x.client);
    this.x = null;
  }
}

function digest(mime: string, data: Uint8Array): string {
  return createHash('sha256').update(mime).update(data).digest('hex');
}

function xclip(args: string[], maxBuffer: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    execFile('xclip', args, { encoding: 'buffer', maxBuffer, timeout: 10_000 }, (error, stdout) => {
      if (error !== null) reject(error);
      else resolve(stdout);
    });
  });
}

/** The selection's content in the best format both sides know: a PNG image, else Unicode text. */
async function readSelection(
  which: Selection,
  s: ClipboardSettings,
): Promise<{ mime: ClipboardMime; data: Uint8Array } | null> {
  const targets = (await xclip(['-selection', which, '-o', '-t', 'TARGETS'], 1 << 20))
    .toString('latin1')
    .split('\n');
  const limit = s.maxPayloadSize;
  if (targets.includes('image/png')) {
    const data = await xclip(['-selection', which, '-o', '-t', 'image/png'], limit + 1);
    const size = pngSize(data);
    if (size === null) return null;
    if (data.byteLength > limit)
      throw new Error(`image of ${data.byteLength} bytes is over max-payload-size`);
    if (s.maxImageArea >= 0 && size.width * size.height > s.maxImageArea)
      throw new Error(`image of ${size.width}x${size.height} is over max-image-area (${s.maxImageArea})`);
    return { mime: 'image/png', data };
  }
  const target = TEXT_TARGETS.find((t) => targets.includes(t));
  if (target === undefined) return null;
  const data = await xclip(['-selection', which, '-o', '-t', target], limit + 1);
  if (data.byteLength > limit) throw new Error(`text of ${data.byteLength} bytes is over max-payload-size`);
  let text = target === 'STRING' ? data.toString('latin1') : data.toString('utf8');
  if (s.maxTextLen >= 0 && [...text].length > s.maxTextLen) text = [...text].slice(0, s.maxTextLen).join('');
  return { mime: 'text/plain;charset=utf-8', data: Buffer.from(text, 'utf8') };
}

/** Makes an xclip the owner of the selection, serving `data`; it forks and serves until replaced. */
function writeSelection(which: Selection, mime: ClipboardMime, data: Uint8Array): Promise<void> {
  const args = ['-selection', which, '-i'];
  if (mime === 'image/png') args.push('-t', 'image/png');
  return new Promise((resolve, reject) => {
    const child = spawn('xclip', args, { stdio: ['pipe', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    child.once('error', reject);
    // The foreground xclip exits once its background copy owns the selection.
    child.once('exit', (code) =>
      code === 0 ? resolve() : reject(new Error(`xclip: ${err.trim() || `status ${code}`}`)),
    );
    child.stdin.end(data);
  });
}
