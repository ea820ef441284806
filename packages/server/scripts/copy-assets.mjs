#!/usr/bin/env node
// Copies the sign-in pages' static assets (src/http/pages/assets/*) to dist/http/pages/assets/,
// which tsc does not do. Run from anywhere: paths are resolved relative to the server package.
import { cpSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const packageDir = join(dirname(fileURLToPath(import.meta.url)), '..');
const from = join(packageDir, 'src', 'http', 'pages', 'assets');
const to = join(packageDir, 'dist', 'http', 'pages', 'assets');

mkdirSync(to, { recursive: true });
cpSync(from, to, { recursive: true });
