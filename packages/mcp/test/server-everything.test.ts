// The published reference server @modelcontextprotocol/server-everything (a devDependency), run
// for real over stdio: it needs no network at run time.
import { createRequire } from 'node:module';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { connectMcpServer, type McpConnection } from '../src/index.ts';

const require = createRequire(import.meta.url);
const entry = path.join(
  path.dirname(require.resolve('@modelcontextprotocol/server-everything/package.json')),
  'dist',
  'index.js',
);

let connection: McpConnection | null = null;
afterEach(async () => {
  await connection?.close();
  connection = null;
});

describe('@modelcontextprotocol/server-everything over stdio', () => {
  it('lists its tools and calls echo and get-sum', async () => {
    connection = await connectMcpServer({
      transport: 'stdio',
      command: process.execPath,
      args: [entry, 'stdio'],
      unsafeNoSandbox: true,
    });
    expect(connection.serverInfo.name).toMatch(/everything/i);
    const names = (await connection.listTools()).map((tool) => tool.name);
    expect(names).toEqual(expect.arrayContaining(['echo']));
    const echoed = await connection.callTool('echo', { message: 'from goosuke' });
    expect(echoed.isError).toBe(false);
    expect(JSON.stringify(echoed.content)).toContain('from goosuke');
  });
});
