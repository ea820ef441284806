import { keywordParameter } from '../../schemas/parameters.js';

/** Schemas the account pages share: an HTML answer, a redirect, the `?done=` flag. */
export const htmlPage = { type: 'string', description: 'HTML page' } as const;
const redirect = { type: 'null', description: 'redirect' } as const;

export const pageResponses = { 200: htmlPage, 303: redirect, '4xx': htmlPage } as const;
export const postResponses = { 200: htmlPage, 303: redirect, '4xx': htmlPage } as const;

/** `?done=KEYWORD`: which result to show after a redirect-after-post (form-outcome.ts). */
export const doneQuery = { type: 'object', properties: { done: keywordParameter } } as const;
