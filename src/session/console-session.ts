// A console session: no X server of its own; it attaches to a display that already runs on the host
// (`[session-management] console-session-display`, ':0' by default), as DCV's console session does.
import { applyLayout } from '../display/randr-layout.js';
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
  name: string | null;
  private heads: DisplayHead[];
  private endSession: (reason: string) => void = () => undefined;
  private readonly ended = new Promise<string>((resolve) => {
    this.endSession = resolve;
  });

  constructor(private readonly o: ConsoleSessionOptions) {
    this.name = o.name;
    this.heads = [...o.layout];
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
    return [...this.heads];
  }

  /** The host's own X server: resizes when its driver lets RANDR do so (Xorg with most drivers, Xvnc). */
  async setLayout(heads: readonly DisplayHead[]): Promise<void> {
    await applyLayout({ display: this.o.display, xauthority: this.o.xauthority }, heads);
    this.heads = [...heads];
  }

  whenEnded(): Promise<string> {
    return this.ended;
  }

  /** Closing a console session detaches from the display; the display itself keeps running. */
  async dispose(): Promise<void> {
    this.endSession('closed');
  }
}
