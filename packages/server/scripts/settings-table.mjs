#!/usr/bin/env node
// Rewrites README.md's configuration table from src/config/settings.ts (npm run docs:settings, which
// runs this under tsx so it can import the TypeScript source). settings-markdown.test.ts fails until
// this has been run after a setting changed.
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { renderSettingsTable, replaceSettingsTable } from '../src/config/settings-markdown.ts';

const readmePath = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'README.md');
const readme = readFileSync(readmePath, 'utf8');
const updated = replaceSettingsTable(readme, renderSettingsTable());
if (updated === readme) {
  console.log('README.md: configuration table already up to date');
} else {
  writeFileSync(readmePath, updated);
  console.log('README.md: configuration table rewritten');
}
