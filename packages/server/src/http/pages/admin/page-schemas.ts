/** What the console's routes answer, for /openapi.json (the fuzzer reads it to expect HTML errors). */
const html = { type: 'string', description: 'HTML page' } as const;
const redirect = { type: 'null', description: 'redirect (to sign in, or after a form)' } as const;

/** A page: HTML, or a redirect to sign in; errors as HTML pages. */
export const pageResponses = { 200: html, 303: redirect, '4xx': html } as const;

/** A form post: a redirect after it, or HTML (a secret shown once, or the form with its error). */
export const formResponses = { 200: html, 201: html, 303: redirect, '4xx': html } as const;

/** Forms post url-encoded bodies only (the page scope's one parser). */
export const formConsumes = ['application/x-www-form-urlencoded'];
