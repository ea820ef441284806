import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { settings } from './settings.js';
import {
  currentSettingsTable,
  regenerateCommand,
  renderSettingsTable,
  replaceSettingsTable,
  tableEnd,
  tableStart,
} from './settings-markdown.js';

const readmePath = new URL('../../../../README.md', import.meta.url);

describe("README's configuration table", () => {
  it('is the one rendered from src/config/settings.ts', () => {
    const readme = readFileSync(readmePath, 'utf8');
    expect(
      currentSettingsTable(readme),
      `README.md's configuration table differs from src/config/settings.ts; run \`${regenerateCommand}\``,
    ).toBe(renderSettingsTable());
  });

  it('has one row per setting, TESSERA_CONFIG last', () => {
    const names = renderSettingsTable()
      .split('\n')
      .slice(2, -1)
      .map((row) => /^\| `([A-Z_]+)` \|/.exec(row)?.[1]);
    expect(names).toEqual([...settings.entries.map((setting) => setting.env), 'TESSERA_CONFIG']);
    expect(new Set(names).size).toBe(names.length);
  });
});

describe('replaceSettingsTable', () => {
  const stale = `# Title\n\n${tableStart}\n| variable | default | meaning |\n| \`PORT\` | 80 | old |\n${tableEnd}\n\nAfter.\n`;

  it('rewrites only the text between the markers', () => {
    expect(currentSettingsTable(stale)).not.toBe(renderSettingsTable());
    const updated = replaceSettingsTable(stale, renderSettingsTable());
    expect(currentSettingsTable(updated)).toBe(renderSettingsTable());
    expect(updated.startsWith(`# Title\n\n${tableStart}\n| variable |`)).toBe(true);
    expect(updated.endsWith(`|\n${tableEnd}\n\nAfter.\n`)).toBe(true);
    expect(replaceSettingsTable(updated, renderSettingsTable())).toBe(updated);
  });

  it('refuses a README without the markers', () => {
    expect(() => replaceSettingsTable('# Title\n', renderSettingsTable())).toThrow(tableStart);
  });
});
