import { boundedText } from '../schemas/parameters.js';

/**
 * Where the sign-in page may send a browser once it is signed in: a fixed list of local pages,
 * never a URL taken from the request, so `return_to` cannot become an open redirect.
 */
export const returnPaths = ['/account', '/admin'] as const;
export type ReturnPath = (typeof returnPaths)[number];

/** Any single-line value is accepted by the schema; one not in the list is ignored. */
export const returnToParameter = boundedText(64);

/** `value` if it is one of the pages above, otherwise undefined. */
export function safeReturnPath(value: string | undefined): ReturnPath | undefined {
  return returnPaths.find((path) => path === value);
}

/** The sign-in page that comes back to `path`. */
export function signinLocation(path: ReturnPath): string {
  return `/signin?return_to=${encodeURIComponent(path)}`;
}
