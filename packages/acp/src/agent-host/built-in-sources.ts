import type { BuiltInAgentName } from '@goosuke/core';

/** Where a built-in agent may be found on a host. */
export interface BuiltInAgentSource {
  /** The npm package that provides it, and the name of its bin in `package.json`; null for native-only agents. */
  readonly npmPackage: { readonly name: string; readonly bin: string } | null;
  /**
   * The npm package holding the native executable for this platform (`platform`, `arch` as
   * Node names them), and the executable's path in it; null when the agent has none. Preferred
   * to the npm bin: the bin is only a wrapper that spawns it.
   */
  readonly nativePackage: ((platform: string, arch: string) => { name: string; path: string }) | null;
  /** Names looked up on the search PATH, in order. */
  readonly commandNames: readonly string[];
}

/** The sources of each built-in agent. */
export const builtInAgentSources: Readonly<Record<BuiltInAgentName, BuiltInAgentSource>> = Object.freeze({
  'claude-code': {
    npmPackage: { name: '@zed-industries/claude-code-acp', bin: 'claude-code-acp' },
    nativePackage: null,
    commandNames: ['claude-code-acp'],
  },
  codex: {
    npmPackage: { name: '@zed-industries/codex-acp', bin: 'codex-acp' },
    // The npm bin (bin/codex-acp.js) spawnSyncs the binary of one of these optional dependencies.
    nativePackage: (platform, arch) => ({
      name: `@zed-industries/codex-acp-${platform}-${arch}`,
      path: 'bin/codex-acp',
    }),
    commandNames: ['codex-acp'],
  },
  gemini: {
    npmPackage: { name: '@google/gemini-cli', bin: 'gemini' },
    nativePackage: null,
    commandNames: ['gemini'],
  },
  goose: {
    npmPackage: null,
    nativePackage: null,
    commandNames: ['goose'],
  },
});
