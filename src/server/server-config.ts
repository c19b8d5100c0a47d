// Reads the server's dcv.conf: a missing file means DCV's defaults; any error stops the start with every
// bad line named (file, line, key); warnings (unknown keys) are returned for the log.
import { readFileSync } from 'node:fs';
import { DcvError } from '../errors.js';
import { defaultConfig, formatDiagnostic, loadDcvConf, type DcvConfig } from '../config/index.js';

export interface ServerConfig {
  readonly config: DcvConfig;
  readonly warnings: readonly string[];
}

export function readServerConfig(file: string): ServerConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return { config: defaultConfig, warnings: [] };
    throw new DcvError('CONFIG_UNREADABLE', `Cannot read ${file}: ${code ?? (e as Error).message}.`);
  }
  const { config, diagnostics } = loadDcvConf(text, file);
  const errors = diagnostics.filter((d) => d.severity === 'error').map(formatDiagnostic);
  if (errors.length > 0) {
    throw new DcvError('CONFIG_INVALID', `${errors.join('\n')}\n${file} has ${errors.length} error(s); dcvserver will not start until they are fixed.`);
  }
  return { config, warnings: diagnostics.filter((d) => d.severity === 'warning').map(formatDiagnostic) };
}
