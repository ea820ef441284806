/**
 * Markup that is safe to send: built by `html` (every interpolation escaped) or vouched for by
 * `raw`. Only the type is exported, so no other module can construct one and bypass both; the
 * private field makes the type nominal, so a look-alike object or a plain string does not fit.
 */
class HtmlSafe {
  readonly #markup: string;

  constructor(markup: string) {
    this.#markup = markup;
  }

  toString(): string {
    return this.#markup;
  }
}

export type { HtmlSafe };

/**
 * What a template may interpolate. `null`, `undefined` and `false` render as nothing, so
 * `${condition && html`…`}` works; `true` is left out because it has no sensible rendering.
 */
export type HtmlValue = string | number | HtmlSafe | null | undefined | false | ReadonlyArray<HtmlValue>;

const replacements: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Safe in HTML text and in a double- or single-quoted attribute value (never an unquoted one). */
function escapeText(text: string): string {
  return text.replace(/[&<>"']/g, (character) => replacements[character]!);
}

function render(value: HtmlValue): string {
  if (value instanceof HtmlSafe) return value.toString();
  if (typeof value === 'string') return escapeText(value);
  if (typeof value === 'number') return escapeText(String(value));
  if (value === null || value === undefined || value === false) return '';
  if (Array.isArray(value)) return value.map(render).join('');
  // Unreachable for typed callers; a stray `true` or object must not become "[object Object]".
  throw new TypeError(`cannot interpolate a ${typeof value} into html`);
}

/**
 * Tagged template for pages: escapes every interpolated value unless it is `HtmlSafe` (nested
 * `html` or `raw`). Arrays render each element the same way, joined with nothing.
 */
export function html(strings: TemplateStringsArray, ...values: readonly HtmlValue[]): HtmlSafe {
  let markup = strings[0]!;
  for (let index = 0; index < values.length; index += 1) {
    markup += render(values[index]) + strings[index + 1]!;
  }
  return new HtmlSafe(markup);
}

/**
 * Marks `markup` as safe without escaping it. Every call is a place where an injection could
 * enter, so use it only for markup known to be safe, with a comment that says why.
 */
export function raw(markup: string): HtmlSafe {
  return new HtmlSafe(markup);
}
