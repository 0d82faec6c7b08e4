#!/usr/bin/env node
// Runs the compiled CLI (dist/, what `npm run build` and the Docker image produce: less memory, faster
// start); otherwise, or when the TypeScript sources in this checkout are newer than the build, the
// sources through tsx, so a fresh or edited checkout works without a build step.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const compiled = `${root}dist/src/main.js`;

function newestSource(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = `${dir}/${entry.name}`;
    newest = Math.max(newest, entry.isDirectory() ? newestSource(full) : statSync(full).mtimeMs);
  }
  return newest;
}

const sources = `${root}src`;
const useCompiled = existsSync(compiled) && (!existsSync(sources) || newestSource(sources) <= statSync(compiled).mtimeMs);
if (useCompiled) {
  await import(pathToFileURL(compiled).href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import(pathToFileURL(`${sources}/main.ts`).href);
}
