const replacements: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/**
 * Escapes a value for use in HTML text or in a double- or single-quoted attribute value.
 * Every value interpolated into a template goes through this function.
 */
export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (character) => replacements[character]!);
}
