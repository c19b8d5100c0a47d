// What a permissions document grants one user on one session: DCV's rule order (allow and disallow, the
// later line winning; deny final), groups nested through group: and osgroup:, aliases and builtin. Pure.
import {
  expandFeatures,
  PERMISSION_FEATURES,
  type Actor,
  type PermissionFeature,
  type PermissionsDocument,
} from './permissions-file.js';

export interface PermissionSubject {
  /** The account the viewer authenticated as. */
  readonly user: string;
  /** The session owner, whom `%owner%` names. */
  readonly owner: string;
  /** The user's operating-system groups, for `osgroup:` (empty when none is used or none could be found). */
  readonly osGroups: ReadonlySet<string>;
}

function matches(
  actor: Actor,
  s: PermissionSubject,
  groups: PermissionsDocument['groups'],
  seen: ReadonlySet<string> = new Set(),
): boolean {
  switch (actor.kind) {
    case 'owner':
      return s.user === s.owner;
    case 'any':
      return true;
    case 'user':
      return actor.name === s.user;
    case 'osgroup':
      return s.osGroups.has(actor.name);
    case 'group': {
      // A group that contains itself (directly or not) adds nothing the second time round.
      if (seen.has(actor.name)) return false;
      const next = new Set(seen).add(actor.name);
      return (groups.get(actor.name) ?? []).some((m) => matches(m, s, groups, next));
    }
  }
}

/** The features the document grants the subject. Unknown feature names grant and deny nothing (validatePermissions warns). */
export function grantedFeatures(doc: PermissionsDocument, s: PermissionSubject): Set<PermissionFeature> {
  const state = new Map<PermissionFeature, 'allow' | 'disallow' | 'deny'>();
  for (const r of doc.rules) {
    if (!matches(r.actor, s, doc.groups)) continue;
    for (const f of expandFeatures(r.features, doc.aliases, r.where)) {
      if (state.get(f) === 'deny') continue;
      state.set(f, r.rule);
    }
  }
  return new Set(PERMISSION_FEATURES.filter((f) => state.get(f) === 'allow'));
}

/** Whether evaluating needs the user's OS groups (so the I/O to find them can be skipped otherwise). */
export function usesOsGroups(doc: PermissionsDocument): boolean {
  if (doc.rules.some((r) => r.actor.kind === 'osgroup')) return true;
  for (const members of doc.groups.values()) if (members.some((m) => m.kind === 'osgroup')) return true;
  return false;
}
