// Reads the server's dcv.conf: a missing file means DCV's defaults (and a warning saying so); any error stops the start with every
// bad line named (file, line, key); warnings (unknown keys, keys without effect) are returned for the log.
import { DcvError } from '../errors.js';
import { formatDiagnostic, type DcvConfig } from '../config/index.js';
import { readConfigFile } from '../host/dcv-conf-file.js';

export interface ServerConfig {
  readonly config: DcvConfig;
  readonly warnings: readonly string[];
}

export function readServerConfig(file: string): ServerConfig {
  const { config, diagnostics, exists } = readConfigFile(file, 'defaults');
  const errors = diagnostics.filter((d) => d.severity === 'error').map(formatDiagnostic);
  if (errors.length > 0) {
    throw new DcvError(
      'CONFIG_INVALID',
      `${errors.join('\n')}\n${file} has ${errors.length} error(s); dcvserver will not start until they are fixed.`,
    );
  }
  const warnings = diagnostics.filter((d) => d.severity === 'warning').map(formatDiagnostic);
  // Defaults listen on every address (0.0.0.0:8443): an administrator must be told the file was not found.
  if (!exists)
    warnings.unshift(
      `${file} does not exist; dcvserver runs on DCV's defaults (web port 8443 on every address)`,
    );
  return { config, warnings };
}
