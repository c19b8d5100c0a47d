// The slot where features plug into the viewer (docs/web-client.md): each module gets the viewer's context —
// the toolbar to add a panel or button to, the connection to send and receive messages on, the permissions
// of this viewer, notifications — and is started once per page. A feature lands by adding one line below.
import type { Feature } from '../src/protocol/features.js';
import type { FromServer, Message } from '../src/protocol/messages.js';
import { collaboratorsPanel } from './ui/collaborators-panel.js';
import type { ConnectionState } from './ui/status-banner.js';
import type { Toolbar } from './ui/toolbar.js';

export type ServerMessageOf<T extends FromServer['type']> = Extract<FromServer, { type: T }>;

export interface ViewerContext {
  readonly sessionId: string;
  readonly toolbar: Toolbar;
  /** This viewer's connection id from ServerHello, undefined while not connected. */
  readonly connectionId: number | undefined;
  /** Sends on the connection; dropped while not connected. */
  send(m: Message): void;
  /** Calls `handler` for every server message of this type (besides the viewer's own handling). */
  onMessage<T extends FromServer['type']>(type: T, handler: (m: ServerMessageOf<T>) => void): void;
  /** Connection state changes: a panel greys out or clears what belongs to the old connection. */
  onStateChange(handler: (state: ConnectionState) => void): void;
  /** Whether the server granted this viewer a feature (src/protocol/features.ts) on this connection. */
  granted(feature: (typeof Feature)[keyof typeof Feature]): boolean;
  /** Adds a line to the Notifications panel. */
  notify(text: string): void;
  /** Gives keyboard focus back to the remote screen. */
  focusScreen(): void;
}

export type ViewerModule = (ctx: ViewerContext) => void;

/** Features that add to the viewer; the clipboard, storage, display and sound panels go here as they land. */
export const VIEWER_MODULES: readonly ViewerModule[] = [collaboratorsPanel];
