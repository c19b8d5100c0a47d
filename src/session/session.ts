// What every session is, virtual or console, as the session table and the `dcv` command see it.

export type SessionType = 'virtual' | 'console';

import type { DisplayHead } from '../display/display-layout.js';

export type { DisplayHead };

export interface Session {
  readonly id: string;
  readonly type: SessionType;
  readonly owner: string;
  /** The account whose programs run in the session (DCV's `user`; the owner for virtual sessions). */
  readonly user: string;
  name: string | null;
  readonly creationTime: Date;
  readonly maxConcurrentClients: number;
  readonly storageRoot: string;
  /** X display (":12") and the authority file clients need to reach it. */
  readonly x11Display: string;
  readonly x11Authority: string;
  /** The heads (monitors) the screen shows now, offsets from 0. */
  layout(): DisplayHead[];
  /**
   * Puts a layout (normalised: see normalizeLayout) on the screen with RANDR; LAYOUT_FAILED when the X server
   * refuses. Limits are the caller's to check.
   */
  setLayout(heads: readonly DisplayHead[]): Promise<void>;
  /** Resolves when the session ends by itself (its init program or X server exited). */
  whenEnded(): Promise<string>;
  /** Stops everything the session started; safe to call twice. */
  dispose(): Promise<void>;
}
