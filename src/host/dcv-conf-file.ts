// The one reader of dcv.conf on disk, for dcvserver, `dcv` and the upgrade: the file's bytes go to the pure
// loader as they are (so a line that is not UTF-8 is reported the same everywhere), an absent file is DCV's
// defaults when the caller says so, and an unreadable one is CONFIG_UNREADABLE naming the file.
import { readFileSync } from 'node:fs';
import { loadConfigFile, type LoadedConfig } from '../config/index.js';
import { DcvError } from '../errors.js';

export interface ConfigFileRead extends LoadedConfig {
  /** False when the file does not exist and the defaults were taken. */
  readonly exists: boolean;
}

/**
 * Reads and checks a dcv.conf (or a Windows .reg export, told apart by content). `missing: 'defaults'` takes an
 * absent file as an empty one, as dcvserver does; `'error'` refuses it (a file the administrator named).
 */
export function readConfigFile(file: string, missing: 'defaults' | 'error'): ConfigFileRead {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' && missing === 'defaults')
      return { ...loadConfigFile(new Uint8Array(), file), exists: false };
    const reason = code === 'ENOENT' ? 'no such file' : (code ?? (e as Error).message);
    throw new DcvError('CONFIG_UNREADABLE', `Cannot read ${file}: ${reason}.`);
  }
  return { ...loadConfigFile(bytes, file), exists: true };
}
