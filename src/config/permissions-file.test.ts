import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DcvError } from '../errors.js';
import { grantedFeatures, usesOsGroups, type PermissionSubject } from './permissions-eval.js';
import {
  BUILTIN_PERMISSIONS,
  EMPTY_PERMISSIONS,
  loadPermissions,
  mergePermissions,
  parsePermissionsText,
  PERMISSION_FEATURES,
  resolvePath,
  serializePermissions,
  validatePermissions,
  type PermissionsDocument,
} from './permissions-file.js';

function doc(text: string): PermissionsDocument {
  const d = parsePermissionsText(text, 'test.perm').doc;
  validatePermissions(d);
  return d;
}

function granted(d: PermissionsDocument, user: string, owner = 'alice', osGroups: string[] = []): string[] {
  const s: PermissionSubject = { user, owner, osGroups: new Set(osGroups) };
  return [...grantedFeatures(d, s)].sort();
}

function code(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof DcvError, String(e));
    return `${e.code}: ${e.message}`;
  }
  return 'no error';
}

const ALL = [...PERMISSION_FEATURES].sort();

test('the shipped default.perm shape: ; comments, empty sections, %owner% allow builtin', () => {
  const d = doc(`; Default permissions
[groups]
; group:testgroup = actor1, actor2

[aliases]

[permissions]
%owner% allow builtin
`);
  assert.deepEqual(granted(d, 'alice'), ALL);
  assert.deepEqual(granted(d, 'bob'), []);
});

test('the built-in default grants the owner everything and nobody else anything', () => {
  assert.deepEqual(granted(BUILTIN_PERMISSIONS, 'alice'), ALL);
  assert.deepEqual(granted(BUILTIN_PERMISSIONS, 'bob'), []);
  assert.deepEqual(granted(EMPTY_PERMISSIONS, 'alice'), []);
});

test('allow and disallow: the later line wins; deny is final', () => {
  const d = doc(`[permissions]
%any% allow display keyboard mouse
bob disallow keyboard
bob allow keyboard
carol disallow mouse
%any% deny clipboard-copy
%any% allow clipboard-copy
dave allow audio-out
dave deny audio-out
dave allow audio-out
`);
  assert.deepEqual(granted(d, 'bob'), ['display', 'keyboard', 'mouse']);
  assert.deepEqual(granted(d, 'carol'), ['display', 'keyboard']);
  assert.deepEqual(granted(d, 'dave'), ['display', 'keyboard', 'mouse']);
});

test('a view-only collaborator: display alone', () => {
  const d = doc(`[permissions]
%owner% allow builtin
bob allow display
`);
  assert.deepEqual(granted(d, 'bob'), ['display']);
});

test('groups nest through group: and osgroup:, and user: names a user; a self-including group ends', () => {
  const d = doc(`[groups]
group:ops = user:bob, osgroup:wheel, group:interns
interns = carol, group:ops
[permissions]
group:ops allow display mouse
osgroup:audio allow audio-out
`);
  assert.deepEqual(granted(d, 'bob'), ['display', 'mouse']);
  assert.deepEqual(granted(d, 'carol'), ['display', 'mouse']);
  assert.deepEqual(granted(d, 'erin', 'alice', ['wheel']), ['display', 'mouse']);
  assert.deepEqual(granted(d, 'erin', 'alice', ['audio']), ['audio-out']);
  assert.deepEqual(granted(d, 'erin'), []);
  assert.equal(usesOsGroups(d), true);
  assert.equal(usesOsGroups(doc('[permissions]\nbob allow display\n')), false);
});

test('aliases expand, also through other aliases and builtin', () => {
  const d = doc(`[aliases]
clipboard-management = clipboard-copy, clipboard-paste
input = keyboard, mouse
interactive = input, clipboard-management, display
[permissions]
bob allow interactive
carol allow builtin
carol deny input
`);
  assert.deepEqual(granted(d, 'bob'), ['clipboard-copy', 'clipboard-paste', 'display', 'keyboard', 'mouse']);
  assert.deepEqual(
    granted(d, 'carol'),
    ALL.filter((f) => f !== 'keyboard' && f !== 'mouse'),
  );
});

test('an undefined group, an alias cycle or a bad line is an error naming file and line; a feature typo warns', () => {
  const typo = parsePermissionsText('[permissions]\nbob deny keybaord\n', 'test.perm').doc;
  assert.match(validatePermissions(typo)[0]!, /^test\.perm:2: warning: unknown permission feature 'keybaord', ignored/);
  assert.match(code(() => doc('[permissions]\ngroup:nobody allow display\n')), /test\.perm:2: group 'nobody' is not defined/);
  assert.match(code(() => doc('[aliases]\na = b\nb = a\n')), /alias cycle/);
  assert.match(code(() => doc('[permissions]\nbob maybe display\n')), /test\.perm:2: 'maybe' is not a rule/);
  assert.match(code(() => doc('[permissions]\nbob allow\n')), /expected ACTOR allow\|disallow\|deny FEATURE/);
  assert.match(code(() => doc('bob allow display\n')), /test\.perm:1: a line outside any section/);
  assert.match(code(() => doc('[users]\n')), /unknown section \[users\]/);
  assert.match(code(() => doc('[groups]\nops\n')), /expected NAME = MEMBER/);
  assert.match(code(() => doc('[aliases]\ndisplay = keyboard\n')), /is a feature/);
  assert.match(code(() => doc('[groups]\nops = %owner%\n')), /is not a user, group:NAME or osgroup:NAME/);
  assert.match(code(() => doc('[permissions]\n%nobody% allow display\n')), /not a user/);
});

test('case: section names and rules are case-insensitive, features lower-cased, user names kept', () => {
  const d = doc('[PERMISSIONS]\nBob ALLOW Display\n');
  assert.deepEqual(granted(d, 'Bob'), ['display']);
  assert.deepEqual(granted(d, 'bob'), []);
});

test('#import: relative to the importing file, imports first, nested, cycles refused', () => {
  const files: Record<string, string> = {
    '/etc/dcv/site.perm': '#import common/base.perm\n[permissions]\nbob allow keyboard\n',
    '/etc/dcv/common/base.perm': '#import <../groups.perm>\n[permissions]\ngroup:staff allow display\nbob disallow keyboard\n',
    '/etc/dcv/groups.perm': '[groups]\nstaff = bob, carol\n',
    '/loop/a.perm': '#import b.perm\n',
    '/loop/b.perm': '#import /loop/a.perm\n',
  };
  const read = (p: string): string => {
    const t = files[p];
    if (t === undefined) throw new Error(`ENOENT: no such file or directory, open '${p}'`);
    return t;
  };
  const d = loadPermissions('/etc/dcv/site.perm', read);
  validatePermissions(d);
  assert.deepEqual(granted(d, 'bob'), ['display', 'keyboard']);
  assert.deepEqual(granted(d, 'carol'), ['display']);
  assert.match(code(() => loadPermissions('/loop/a.perm', read)), /#import cycle: \/loop\/a\.perm → \/loop\/b\.perm → \/loop\/a\.perm/);
  assert.match(code(() => loadPermissions('/missing.perm', read)), /^PERMISSIONS_UNREADABLE: cannot read \/missing\.perm/);
  files['/etc/dcv/x.perm'] = '#import nothere.perm\n';
  assert.match(code(() => loadPermissions('/etc/dcv/x.perm', read)), /^PERMISSIONS_UNREADABLE: \/etc\/dcv\/x\.perm:1: cannot read \/etc\/dcv\/nothere\.perm/);
  assert.match(code(() => parsePermissionsText('[permissions]\n#import a.perm\n', 'f')), /must come before the first \[section\]/);
});

test('merging: a session file may use groups and aliases of the default file', () => {
  const base = doc('[groups]\nstaff = bob\n[aliases]\nview = display\n[permissions]\n%owner% allow builtin\n');
  const session = parsePermissionsText('[permissions]\ngroup:staff allow view\n', 's.perm').doc;
  assert.match(code(() => validatePermissions(session)), /group 'staff' is not defined/);
  validatePermissions(session, base);
  const merged = mergePermissions(base, session);
  assert.deepEqual(granted(merged, 'bob'), ['display']);
  assert.deepEqual(granted(merged, 'alice'), ALL);
});

test('serialize writes a file that parses back to the same grants', () => {
  const d = doc(`[groups]
ops = bob, osgroup:wheel, group:more
more = carol
[aliases]
input = keyboard, mouse
[permissions]
%owner% allow builtin
group:ops allow display input
%any% deny usb
`);
  const again = doc(serializePermissions(d));
  for (const u of ['alice', 'bob', 'carol', 'dave']) assert.deepEqual(granted(again, u), granted(d, u));
  assert.deepEqual(granted(again, 'dave', 'alice', ['wheel']), ['display', 'keyboard', 'mouse']);
});

test('resolvePath folds . and ..', () => {
  assert.equal(resolvePath('/etc/dcv', 'a/../b.perm'), '/etc/dcv/b.perm');
  assert.equal(resolvePath('/etc/dcv', '/abs/./x.perm'), '/abs/x.perm');
  assert.equal(resolvePath('/', '../../x'), '/x');
});

test('every DCV feature name is known, webauthn-redirection (DCV 2023.1) included', () => {
  const names = [
    'webauthn-redirection',
    'gamepad',
    'webcam',
    'stylus',
    'touch',
    'printer',
    'smartcard',
    'usb',
    'extensions-client',
    'extensions-server',
    'unsupervised-access',
    'keyboard-sas',
    'screenshot',
  ];
  const d = parsePermissionsText(`[permissions]\n%owner% allow ${names.join(' ')}\n`, '/etc/dcv/default.perm').doc;
  assert.deepEqual(validatePermissions(d), []);
  assert.deepEqual(granted(d, 'alice'), [...names].sort());
});

test('an unknown feature name is a warning with file and line, and the rest of the file applies', () => {
  // A default.perm written for a newer DCV: its deny lines must still deny.
  const text = `[aliases]
future = hologram-redirection, display
[permissions]
%any% allow builtin
%any% deny clipboard-copy telepathy
bob deny display
`;
  const d = parsePermissionsText(text, '/etc/dcv/default.perm').doc;
  assert.deepEqual(validatePermissions(d), [
    "/etc/dcv/default.perm:2: warning: unknown permission feature 'hologram-redirection', ignored (not one DCV or this opendcv knows)",
    "/etc/dcv/default.perm:5: warning: unknown permission feature 'telepathy', ignored (not one DCV or this opendcv knows)",
  ]);
  assert.equal(granted(d, 'carol').includes('clipboard-copy'), false);
  assert.equal(granted(d, 'carol').includes('display'), true);
  assert.equal(granted(d, 'bob').includes('display'), false);
});

test('an undefined group is an error naming the file and line of the group that uses it', () => {
  const d = parsePermissionsText('[groups]\nops = bob, group:nosuch\n', '/etc/dcv/site.perm').doc;
  assert.match(code(() => validatePermissions(d)), /^PERMISSIONS_INVALID: \/etc\/dcv\/site\.perm:2: group 'nosuch' is not defined$/);
});
