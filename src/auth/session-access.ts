// What each user may do in each session: the default permissions file ([session-management/defaults]
// permissions-file, else /etc/dcv/default.perm) merged with the session's own permissions, evaluated for one
// user, and turned into the viewer protocol's feature bits.
import { readFileSync, statSync } from 'node:fs';
import { grantedFeatures, usesOsGroups } from '../config/permissions-eval.js';
import {
  BUILTIN_PERMISSIONS,
  EMPTY_PERMISSIONS,
  loadPermissions,
  mergePermissions,
  validatePermissions,
  type PermissionFeature,
  type PermissionsDocument,
} from '../config/permissions-file.js';
import { Feature } from '../protocol/index.js';
import type { Caller, SessionAccessPolicy, SessionTable } from '../session/session-table.js';
import type { Session } from '../session/session.js';
import type { AuthLog } from './authenticator.js';
import { OsGroups } from './os-groups.js';

/** The permission features the viewer protocol carries today; the others are granted or not but unused. */
const PROTOCOL_FEATURES: readonly [PermissionFeature, number][] = [
  ['display', Feature.Display],
  ['keyboard', Feature.Keyboard],
  ['mouse', Feature.Mouse],
  ['clipboard-copy', Feature.ClipboardCopy],
  ['clipboard-paste', Feature.ClipboardPaste],
];

export function featureMask(granted: ReadonlySet<PermissionFeature>): number {
  return PROTOCOL_FEATURES.reduce((mask, [name, bit]) => (granted.has(name) ? mask | bit : mask), 0);
}

export class SessionAccess implements SessionAccessPolicy {
  private cached: { key: string; doc: PermissionsDocument } | null = null;

  constructor(
    private readonly sessions: SessionTable,
    /** The default file: [session-management/defaults] permissions-file, or paths.defaultPermissionsFile. */
    readonly defaultFile: string,
    private readonly log: AuthLog,
    private readonly groups = new OsGroups(),
  ) {}

  /**
   * The default file's rules, re-read when the file changes (so an edit needs no restart). Missing: nothing
   * is added. Broken: nothing is added either (fail closed) and the log says why, once per version.
   */
  defaults(): PermissionsDocument {
    let key: string;
    try {
      const st = statSync(this.defaultFile);
      key = `${st.mtimeMs}:${st.size}:${st.ino}`;
    } catch {
      key = 'absent';
    }
    if (this.cached?.key === key) return this.cached.doc;
    let doc = EMPTY_PERMISSIONS;
    if (key !== 'absent') {
      try {
        doc = loadPermissions(this.defaultFile, (p) => readFileSync(p, 'utf8'));
        for (const w of validatePermissions(doc)) this.log.warn(`The default permissions file: ${w}`);
      } catch (e) {
        doc = EMPTY_PERMISSIONS;
        this.log.error(`The default permissions file is not used: ${(e as Error).message}`);
      }
    }
    this.cached = { key, doc };
    return doc;
  }

  /** The rules that apply to the session: the default file's, then the session's own. */
  effective(session: Session): PermissionsDocument {
    return mergePermissions(this.defaults(), this.sessions.permissionsOf(session.id) ?? BUILTIN_PERMISSIONS);
  }

  /** The features `user` has in the session. */
  async grants(session: Session, user: string): Promise<Set<PermissionFeature>> {
    const doc = this.effective(session);
    const osGroups = usesOsGroups(doc) ? await this.groups.of(user) : new Set<string>();
    return this.evaluate(doc, session, user, osGroups);
  }

  grantsSync(session: Session, user: string): Set<PermissionFeature> {
    const doc = this.effective(session);
    const osGroups = usesOsGroups(doc) ? this.groups.ofSync(user) : new Set<string>();
    return this.evaluate(doc, session, user, osGroups);
  }

  private evaluate(doc: PermissionsDocument, session: Session, user: string, osGroups: ReadonlySet<string>): Set<PermissionFeature> {
    try {
      return grantedFeatures(doc, { user, owner: session.owner, osGroups });
    } catch (e) {
      // Only reachable if checked rules stop resolving (the default file changed under them): grant nothing.
      this.log.error(`Permissions of session '${session.id}' cannot be evaluated: ${(e as Error).message}`);
      return new Set();
    }
  }

  mayView(caller: Caller, session: Session): boolean {
    return this.grantsSync(session, caller.name).has('display');
  }

  check(permissions: PermissionsDocument): void {
    for (const w of validatePermissions(permissions, this.defaults())) this.log.warn(`Session permissions: ${w}`);
  }
}
