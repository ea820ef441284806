#!/usr/bin/env node
// A committed entry point, so npm can link `tessera` before the TypeScript build has run.
import '../dist/main.js';
