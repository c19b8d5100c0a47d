// System logins through PAM (native/pam-authenticate.c): at most a few conversations at once, each on a
// worker thread, so a flood of logins can neither block the event loop nor take every libuv worker.
import { existsSync, readFileSync } from 'node:fs';
import { DcvError } from '../errors.js';
import { nativeAddon } from '../host/native-addon.js';

export interface PamVerdict {
  readonly ok: boolean;
  /** PAM's return code and the step that gave it (0 start, 1 authenticate, 2 account), for the log. */
  readonly code: number;
  readonly step: number;
  readonly message: string;
}

interface PamAddon {
  pamAuthenticate(service: string, user: string, password: Buffer, rhost: string): Promise<PamVerdict>;
}

function native(): PamAddon {
  try {
    return nativeAddon<PamAddon>('opendcv_pam');
  } catch (e) {
    throw new DcvError(
      'AUTHENTICATION_UNAVAILABLE',
      `The PAM module of opendcv cannot be loaded (${(e as Error).message.split('\n')[0]}); install libpam0g and rebuild with npm ci.`,
    );
  }
}

/** Whether /etc/pam.d has the service; without it PAM uses `other` (describePamFallback says what that does). */
export function pamServiceInstalled(service: string): boolean {
  return existsSync(`/etc/pam.d/${service}`);
}

/**
 * What PAM does for a service without its own file, from the host's /etc/pam.d/other (null: absent): Debian's
 * includes common-auth, so system passwords work; others deny with pam_deny. Said as it is on this host.
 */
export function describePamFallback(service: string, other: string | null): string {
  const missing = `/etc/pam.d/${service} does not exist`;
  const fix = 'install it to choose how viewers log in (docs/security.md has the file)';
  if (other === null) return `${missing}, nor does /etc/pam.d/other: PAM refuses every login; ${fix}`;
  const auth = other
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));
  if (auth.some((l) => /^auth\s.*pam_deny\.so/.test(l)))
    return `${missing}: PAM falls back to /etc/pam.d/other, which refuses every login (pam_deny); ${fix}`;
  if (auth.some((l) => /^@include\s+common-auth\b/.test(l) || /^auth\s/.test(l)))
    return `${missing}: PAM falls back to /etc/pam.d/other, which on this host checks system passwords (${auth.find((l) => /common-auth|^auth\s/.test(l))}); ${fix}`;
  return `${missing}: PAM falls back to /etc/pam.d/other, which has no auth rule, so every login is refused; ${fix}`;
}

/** describePamFallback for this host's /etc/pam.d/other. */
export function pamFallbackOnThisHost(service: string): string {
  let other: string | null = null;
  try {
    other = readFileSync('/etc/pam.d/other', 'utf8');
  } catch {
    other = null;
  }
  return describePamFallback(service, other);
}

const MAX_RUNNING = 2;
const MAX_WAITING = 32;

export class PamAuthenticator {
  private running = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly service: string) {}

  /** Checks the password; throws AUTHENTICATION_THROTTLED when too many logins are already waiting. */
  async check(user: string, password: string, remoteHost: string): Promise<PamVerdict> {
    const api = native();
    if (this.running < MAX_RUNNING) this.running++;
    else if (this.waiting.length >= MAX_WAITING) {
      throw new DcvError('AUTHENTICATION_THROTTLED', 'The server is busy checking other logins; try again in a few seconds.');
    } else await new Promise<void>((resolve) => this.waiting.push(resolve)); // the finishing login hands over its slot
    // A Buffer, not a string, so the copy this process holds can be overwritten once the addon has its own.
    const secret = Buffer.from(password, 'utf8');
    try {
      const pending = api.pamAuthenticate(this.service, user, secret, remoteHost);
      secret.fill(0);
      return await pending;
    } finally {
      secret.fill(0);
      const next = this.waiting.shift();
      if (next !== undefined) next();
      else this.running--;
    }
  }
}
