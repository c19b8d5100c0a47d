// A console session: no X server of its own; it attaches to a display that already runs on the host
// (`[session-management] console-session-display`, ':0' by default), as DCV's console session does.
import type { DisplayHead, Session } from './session.js';

export interface ConsoleSessionOptions {
  readonly id: string;
  readonly name: string | null;
  readonly owner: string;
  readonly display: string;
  readonly xauthority: string;
  readonly layout: DisplayHead[];
  readonly maxConcurrentClients: number;
  readonly storageRoot: string;
}

export class ConsoleSession implements Session {
  readonly type = 'console' as const;
  readonly creationTime = new Date();
  readonly framebufferPath = null;
  name: string | null;
  private endSession: (reason: string) => void = () => undefined;
  private readonly ended = new Promise<string>((resolve) => {
    this.endSession = resolve;
  });

  constructor(private readonly o: ConsoleSessionOptions) {
    this.name = o.name;
  }

  get id(): string {
    return this.o.id;
  }
  get owner(): string {
    return this.o.owner;
  }
  get user(): string {
    return this.o.owner;
  }
  get maxConcurrentClients(): number {
    return this.o.maxConcurrentClients;
  }
  get storageRoot(): string {
    return this.o.storageRoot;
  }
  get x11Display(): string {
    return this.o.display;
  }
  get x11Authority(): string {
    return this.o.xauthority;
  }

  layout(): DisplayHead[] {
    return this.o.layout;
  }

  whenEnded(): Promise<string> {
    return this.ended;
  }

  /** Closing a console session detaches from the display; the display itself keeps running. */
  async dispose(): Promise<void> {
    this.endSession('closed');
  }
}
