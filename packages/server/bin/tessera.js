#!/usr/bin/env node
// A committed entry point, so npm can link `tessera` before the TypeScript build has run.
import { setFlagsFromString } from 'node:v8';

// Loading the server allocates mostly what lives as long as the process (modules, routes), and
// V8 answers that by growing its young generation to 32 MB, which then stays resident while the
// server idles. Kept at its initial size while loading; `tessera serve` gives V8 its default
// growth back once it listens (platform/young-generation.ts). Measured: 9 MB less idle RSS.
setFlagsFromString('--semi-space-growth-factor=1');
await import('../dist/main.js');
