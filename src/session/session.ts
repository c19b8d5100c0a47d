// What every session is, virtual or console, as the session table and the `dcv` command see it.

export type SessionType = 'virtual' | 'console';

export interface DisplayHead {
  readonly width: number;
  readonly height: number;
  readonly x: number;
  readonly y: number;
}

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
  /** The Xvfb framebuffer file, when the X server keeps one (virtual sessions); null for a console. */
  readonly framebufferPath: string | null;
  layout(): DisplayHead[];
  /** Resolves when the session ends by itself (its init program or X server exited). */
  whenEnded(): Promise<string>;
  /** Stops everything the session started; safe to call twice. */
  dispose(): Promise<void>;
}
