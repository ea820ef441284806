import type { AnySetting } from './setting.js';
import { configFileSetting, settings } from './settings.js';

export const tableStart = '<!-- settings:start -->';
export const tableEnd = '<!-- settings:end -->';
/** The command that rewrites README's table; the drift test names it. */
export const regenerateCommand = 'npm run docs:settings';

interface Row {
  readonly env: string;
  readonly shownDefault: string;
  readonly description: string;
}

/** README's configuration table (Markdown) as the settings table says it, TESSERA_CONFIG last. */
export function renderSettingsTable(): string {
  const rows: Row[] = [
    ...settings.entries.map((setting) => ({ ...setting, shownDefault: shownDefault(setting) })),
    configFileSetting,
  ];
  const lines = [
    '| variable | default | meaning |',
    '|---|---|---|',
    ...rows.map((row) => `| \`${row.env}\` | ${cell(row.shownDefault)} | ${cell(row.description)} |`),
  ];
  return `${lines.join('\n')}\n`;
}

/** `readme` with the text between the markers replaced by `table`; throws if the markers are missing. */
export function replaceSettingsTable(readme: string, table: string): string {
  const { before, after } = splitAtMarkers(readme);
  return `${before}${tableStart}\n${table}${tableEnd}${after}`;
}

/** The text between the markers, as replaceSettingsTable writes it: a newline, then the table. */
export function currentSettingsTable(readme: string): string {
  return splitAtMarkers(readme).inside.replace(/^\n/, '');
}

function splitAtMarkers(readme: string): { before: string; inside: string; after: string } {
  const start = readme.indexOf(tableStart);
  const end = readme.indexOf(tableEnd);
  if (start === -1 || end < start) {
    throw new Error(`README has no ${tableStart} … ${tableEnd} region for the configuration table`);
  }
  return {
    before: readme.slice(0, start),
    inside: readme.slice(start + tableStart.length, end),
    after: readme.slice(end + tableEnd.length),
  };
}

function shownDefault(setting: AnySetting): string {
  if (setting.shownDefault !== undefined) return setting.shownDefault;
  const { fallback } = setting;
  if (typeof fallback === 'string' || typeof fallback === 'number' || typeof fallback === 'boolean') {
    return `\`${fallback}\``;
  }
  throw new Error(`${setting.env}: a default that is not a plain value needs shownDefault`);
}

/** A pipe would end the cell early. */
function cell(text: string): string {
  return text.replaceAll('|', '\\|');
}
