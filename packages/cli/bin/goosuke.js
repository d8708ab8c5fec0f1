#!/usr/bin/env node
// Committed on purpose: npm links a workspace bin only if the file exists at install
// time, so this tiny launcher stays in git and loads the built code.
import { existsSync } from 'node:fs';

const entry = new URL('../dist/main.js', import.meta.url);
if (existsSync(entry)) {
  const { main } = await import(entry.href);
  process.exitCode = await main(process.argv.slice(2));
} else {
  // A source checkout before `npm run build`: one line that says what to do, not a stack trace.
  process.stderr.write('goosuke: the CLI is not built; run npm run build (in the goosuke repository)\n');
  process.exitCode = 70;
}
