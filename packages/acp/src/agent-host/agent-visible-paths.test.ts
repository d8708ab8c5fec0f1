import { describe, expect, it } from 'vitest';
import { agentVisiblePaths } from './agent-visible-paths.ts';

// Paths that do not exist: each is taken as given (the sandbox skips what does not exist).
const nvmNode = '/nonexistent/home/u/.nvm/versions/node/v24.1.0/bin/node';
const nvmPrefix = '/nonexistent/home/u/.nvm/versions/node/v24.1.0';

describe('agentVisiblePaths', () => {
  it("shows Node's prefix and the outermost node_modules holding an npm agent", async () => {
    const script =
      '/nonexistent/home/u/project/node_modules/a/node_modules/@google/gemini-cli/bundle/gemini.js';
    expect(
      await agentVisiblePaths({
        nodePath: nvmNode,
        executable: { path: script, runWith: 'node' },
        command: nvmNode,
        args: [script, '--acp'],
      }),
    ).toEqual([nvmPrefix, `${nvmPrefix}/bin`, '/nonexistent/home/u/project/node_modules']);
  });

  it("shows a binary's directory", async () => {
    expect(
      await agentVisiblePaths({
        nodePath: '/nonexistent/usr/bin/node',
        executable: { path: '/nonexistent/home/u/.local/bin/goose', runWith: 'exec' },
        command: '/nonexistent/home/u/.local/bin/goose',
        args: ['acp'],
      }),
    ).toEqual(['/nonexistent/usr', '/nonexistent/usr/bin', '/nonexistent/home/u/.local/bin']);
  });

  it("shows a custom agent's script run with node, the first argument that is not an option", async () => {
    expect(
      await agentVisiblePaths({
        nodePath: nvmNode,
        executable: { path: nvmNode, runWith: 'exec' },
        command: 'node',
        args: ['--enable-source-maps', '/nonexistent/home/u/agents/mine/agent.mjs', '--fast'],
      }),
    ).toEqual([nvmPrefix, `${nvmPrefix}/bin`, '/nonexistent/home/u/agents/mine']);
  });

  it('takes no argument of a command that is not Node for a script, and never shows /', async () => {
    expect(
      await agentVisiblePaths({
        nodePath: '/nonexistent-bin/node',
        executable: { path: '/nonexistent/agent/run', runWith: 'exec' },
        command: '/nonexistent/agent/run',
        args: ['/nonexistent/home/u/.aws/credentials'],
      }),
    ).toEqual(['/nonexistent-bin', '/nonexistent/agent']);
  });
});
