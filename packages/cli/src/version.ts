import { createRequire } from 'node:module';

// Read at run time, relative to this module: both src/ and the bundled dist/ sit one level below
// package.json, so the same path works from sources (tests) and from the build (the bin).
const packageJson = createRequire(import.meta.url)('../package.json') as { version: string };

/** The version of `@goosuke/cli` from its package.json, printed by `goosuke --version`. */
export const cliVersion: string = packageJson.version;
