// What DCV accepts as a session id and a session name. DCV documents ids only as "a unique string";
// opendcv takes the safe subset observed in the wild (see docs/sessions.md).
import { DcvError } from '../errors.js';

const SESSION_ID = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;

export function validateSessionId(id: string): string {
  if (!SESSION_ID.test(id)) {
    throw new DcvError(
      'SESSION_ID_INVALID',
      `Invalid session id '${id.slice(0, 140)}': use 1-128 letters, digits, '_', '-' or '.', not starting with '-' or '.'.`,
    );
  }
  return id;
}

export function validateSessionName(name: string): string {
  if ([...name].length > 256 || /[\r\n\0]/.test(name)) {
    throw new DcvError(
      'SESSION_NAME_INVALID',
      'Invalid session name: at most 256 characters, without line breaks.',
    );
  }
  return name;
}
