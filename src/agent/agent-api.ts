// What dcvserver and the session agent say to each other over the link (link-peer.ts): the method and
// event names and their parameters, in one place so both ends agree. docs/agent.md lists them.

/** Sent by the server on every (re)connect, before anything else: what the agent should run. */
export interface AgentConfiguration {
  readonly sessionId: string;
  readonly display: string;
  readonly xauthority: string;
  readonly clipboard: ClipboardSettings;
  /** Resolved storage folder ('' = storage disabled). */
  readonly storageRoot: string;
}

/** [clipboard] of dcv.conf, as the agent needs it. */
export interface ClipboardSettings {
  readonly enabled: boolean;
  readonly primarySelectionCopy: boolean;
  readonly primarySelectionPaste: boolean;
  readonly maxPayloadSize: number;
  readonly maxTextLen: number;
  readonly maxImageArea: number;
  readonly updateTimeoutMs: number;
}

export type ClipboardMime = 'text/plain;charset=utf-8' | 'image/png';
export const CLIPBOARD_MIMES: readonly ClipboardMime[] = ['text/plain;charset=utf-8', 'image/png'];

export function isClipboardMime(v: unknown): v is ClipboardMime {
  return CLIPBOARD_MIMES.includes(v as ClipboardMime);
}

/** Server → agent requests. */
export const AgentMethod = {
  /** params AgentConfiguration; result { pid } */
  Configure: 'agent.configure',
  /** params { mime }; body the data: becomes CLIPBOARD (and PRIMARY per primary-selection-paste). */
  ClipboardSet: 'clipboard.set',
  /** params { path }; result { entries: StorageEntry[] } */
  StorageList: 'storage.list',
  /** params { path } */
  StorageMkdir: 'storage.mkdir',
  /** params { path, to } */
  StorageRename: 'storage.rename',
  /** params { path } (a file or an empty folder) */
  StorageDelete: 'storage.delete',
  /** params { path, size }; the requester streams the bytes then ends; result { bytes } once durable. */
  StorageUpload: 'storage.upload',
  /** params { path }; result { size }, then the agent streams the bytes and ends. */
  StorageDownload: 'storage.download',
} as const;

/** Agent → server events. */
export const AgentEvent = {
  /** params { selection: 'clipboard' | 'primary', mime }; body the data. Copied in the session. */
  ClipboardChanged: 'clipboard.changed',
} as const;

export interface StorageEntry {
  readonly name: string;
  readonly kind: 'file' | 'directory' | 'other';
  readonly size: number;
  readonly mtimeMs: number;
}
