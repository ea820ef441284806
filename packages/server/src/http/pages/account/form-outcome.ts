import { ConflictError, InvalidInputError, NotFoundError } from '../../../platform/errors.js';

/** What a form post led to, shown at the top of the page it came from. */
export interface Flash {
  readonly notice?: string;
  readonly error?: string;
}

/**
 * A refusal the person can act on (an invalid value, something already gone), as a message and
 * a status for the re-rendered page; anything else is rethrown to the page error handler.
 */
export function refusalOf(error: unknown): { status: number; message: string } {
  if (error instanceof InvalidInputError) return { status: 400, message: sentence(error.message) };
  if (error instanceof NotFoundError) return { status: 404, message: sentence(error.message) };
  if (error instanceof ConflictError) return { status: 409, message: sentence(error.message) };
  throw error;
}

function sentence(message: string): string {
  const first = message.charAt(0).toUpperCase() + message.slice(1);
  return /[.!?]$/.test(first) ? first : `${first}.`;
}

/**
 * Results of a redirect-after-post, named by a fixed keyword in the query (`?done=…`): only these
 * texts can appear, so the query cannot put words on the page. Never a secret in a URL.
 */
export const notices: Readonly<Record<string, string>> = {
  profile: 'Your profile is saved.',
  password: 'Your password is changed. Your other sessions were signed out.',
  'session-ended': 'The session is signed out.',
  'others-ended': 'Every other session is signed out.',
  'app-removed': 'The app’s access is removed. It will ask again next time.',
  'client-revoked': 'The client is revoked: its secret and tokens no longer work.',
  'key-revoked': 'The API key is revoked: its secrets and tokens no longer work.',
};

export function noticeOf(done: string | undefined): Flash {
  const notice = done === undefined ? undefined : notices[done];
  return notice === undefined ? {} : { notice };
}
