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

/**
 * The commands whose memory matters more than 40 ms of start: the servers, which run until
 * stopped, and `goosuke run`, whose three runs on a 50k-file repository peaked at 452 MB with
 * Node's default young generation and 356 MB with 16 MB semi-spaces, no slower.
 */
const relaunched = ['serve', 'discord', 'run'];
/** V8's young generation for them, in MB per semi-space (see relaunchForServer). */
const semiSpaceMb = 16;

/**
 * Restarts a memory-bound command in place (the same process id, through `process.execve`) with
 * V8's semi-spaces capped at 16 MB. Why: under bursts of concurrent runs V8 grows the young
 * generation of a server to its maximum (64 MB semi-spaces on a 64-bit machine with a few GB of
 * memory: 128 MB committed, most of it resident) and keeps it while the load lasts; measured with
 * 50 concurrent runs (docs/performance.md), that was 75 MB of a 325 MB peak, for no measurable gain
 * in speed. The flag can only be given when Node starts. Nothing happens when the user chose a
 * semi-space size (in NODE_OPTIONS or on Node's command line), where `process.execve` is missing
 * (Windows, Node < 22.15), or with GOOSUKE_NODE_RELAUNCH=0.
 */
function relaunchForServer() {
  if (!relaunched.includes(process.argv[2])) return;
  if (typeof process.execve !== 'function' || process.env.GOOSUKE_NODE_RELAUNCH === '0') return;
  const chosen = (flags) => /--max-semi-space-size\b/.test(flags);
  if (chosen(process.execArgv.join(' ')) || chosen(process.env.NODE_OPTIONS || '')) return;
  const argv = [process.execPath, ...process.execArgv, `--max-semi-space-size=${semiSpaceMb}`];
  try {
    process.execve(process.execPath, argv.concat(process.argv.slice(1)), process.env);
  } catch {
    // Not replaced (an exec error): run as started, with Node's default young generation.
  }
}

async function start() {
  const fs = await import('node:fs');
  const entry = new URL('../dist/main.js', import.meta.url);
  if (fs.existsSync(entry)) {
    relaunchForServer();
    // Compiled code kept on disk (os.tmpdir()/node-compile-cache, or NODE_COMPILE_CACHE; off with
    // NODE_DISABLE_COMPILE_CACHE=1): a `goosuke run` in CI starts ~0.2 s sooner the second time.
    const nodeModule = await import('node:module');
    if (typeof nodeModule.enableCompileCache === 'function') nodeModule.enableCompileCache();
    const loaded = await import(entry.href);
    process.exitCode = await loaded.main(process.argv.slice(2));
  } else {
    // A source checkout before `npm run build`: one line that says what to do, not a stack trace.
    process.stderr.write('goosuke: the CLI is not built; run npm run build (in the goosuke repository)\n');
    process.exitCode = 70;
  }
}
