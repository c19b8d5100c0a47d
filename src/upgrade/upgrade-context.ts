// What every upgrade operation runs with: the host's paths, the environment handed to the releases'
// own commands (DCV_ROOT included), the caller's directory for relative TARGETs, and the progress display.
import type { HostPaths } from '../host-paths.js';
import type { Progress } from './upgrade-log.js';

export interface UpgradeContext {
  readonly paths: HostPaths;
  readonly env: NodeJS.ProcessEnv;
  readonly cwd: string;
  readonly progress: Progress;
}
