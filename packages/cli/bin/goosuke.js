#!/usr/bin/env node
// Committed on purpose: npm links a workspace bin only if the file exists at install
// time, so this tiny launcher stays in git and loads the built code.
//
// It checks the running Node before anything else: on an older Node, better-sqlite3's native
// addon dies with a bare "Segmentation fault" and newer syntax fails with a SyntaxError, neither of
// which says what to do. So this file has no static import, no top-level await and nothing newer
// than ES2017 syntax, so that any Node that can load an ES module parses it and prints the line.
const minimum = [22, 12];
const version = process.versions.node;
const parts = version.split('.').map(Number);
const recentEnough = parts[0] > minimum[0] || (parts[0] === minimum[0] && parts[1] >= minimum[1]);

if (!recentEnough) {
  process.stderr.write(
    `goosuke: Node ${version} is too old; goosuke needs Node >= ${minimum.join('.')} (install a current LTS, e.g. \`nvm install 24\` or from nodejs.org, then open a new terminal)\n`,
  );
  // 3, as for every "fix the configuration" error of goosuke (see `goosuke --help`).
  process.exitCode = 3;
} else {
  start().catch((error) => {
    process.stderr.write(
      `goosuke: internal error: ${error instanceof Error ? error.message : String(error)}\n`,
    );
    process.exitCode = 70;
  });
}

async function start() {
  const fs = await import('node:fs');
  const entry = new URL('../dist/main.js', import.meta.url);
  if (fs.existsSync(entry)) {
    const loaded = await import(entry.href);
    process.exitCode = await loaded.main(process.argv.slice(2));
  } else {
    // A source checkout before `npm run build`: one line that says what to do, not a stack trace.
    process.stderr.write('goosuke: the CLI is not built; run npm run build (in the goosuke repository)\n');
    process.exitCode = 70;
  }
}
