#!/usr/bin/env node
// Summarises a V8 CPU profile (node --cpu-prof): the functions with the most self time, and the
// most inclusive time, as shares of the busy (non-idle) samples.
// Run: node bench/profile.mjs FILE.cpuprofile [TOP]
import { readFileSync } from 'node:fs';

const [file, topArg] = process.argv.slice(2);
if (file === undefined) {
  console.error('usage: node bench/profile.mjs FILE.cpuprofile [TOP]');
  process.exit(2);
}
const top = Number(topArg ?? 25);
const profile = JSON.parse(readFileSync(file, 'utf8'));
const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
const parent = new Map();
for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);

const label = (node) => {
  const { functionName, url, lineNumber } = node.callFrame;
  const where =
    url === ''
      ? ''
      : ` ${url.replace(/^.*node_modules\//, '').replace(/^file:\/\/.*\/packages\//, '')}:${lineNumber + 1}`;
  return `${functionName || '(anonymous)'}${where}`;
};

const self = new Map();
const inclusive = new Map();
let busy = 0;
for (const id of profile.samples) {
  const node = nodes.get(id);
  if (node.callFrame.functionName === '(idle)') continue;
  busy += 1;
  self.set(label(node), (self.get(label(node)) ?? 0) + 1);
  // Count each function once per sample, however deep its recursion.
  const seen = new Set();
  for (let at = id; at !== undefined; at = parent.get(at)) {
    const name = label(nodes.get(at));
    if (seen.has(name)) continue;
    seen.add(name);
    inclusive.set(name, (inclusive.get(name) ?? 0) + 1);
  }
}

const print = (title, counts) => {
  console.log(`\n${title} (share of ${busy} busy samples)`);
  for (const [name, count] of [...counts].sort((a, b) => b[1] - a[1]).slice(0, top)) {
    console.log(`${((100 * count) / busy).toFixed(1).padStart(5)} %  ${name}`);
  }
};
const idle = profile.samples.length - busy;
console.log(
  `${file}: ${profile.samples.length} samples, ${((100 * idle) / profile.samples.length).toFixed(1)} % idle`,
);
print('self time', self);
print('inclusive time', inclusive);
