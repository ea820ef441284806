import { boundedText } from './parameters.js';

/**
 * Cursor paging for the admin API's lists: `cursor` is the previous page's `next_cursor`
 * (opaque), `limit` the page size. Query values are strings (no type coercion): the service
 * that pages checks the range.
 */
export const pageQueryProperties = {
  cursor: { ...boundedText(512), description: "The previous page's next_cursor" },
  limit: {
    type: 'string',
    pattern: '^[0-9]{1,4}$',
    description: 'Items per page, 1 to 200 (default 50)',
  },
} as const;

export const nextCursorProperty = {
  type: ['string', 'null'],
  description: 'The cursor of the next page; null after the last',
} as const;

/** The page size a query asked for, if any. */
export function pageLimit(limit: string | undefined): number | undefined {
  return limit === undefined ? undefined : Number(limit);
}
