// A stdio MCP server written with the SDK (fixtures/stdio-server.mjs), run for real through the
// launcher: under bubblewrap where it is installed (as in production), else unconfined.

import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { GoosukeError } from '@goosuke/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { connectMcpServer, type McpConnection, type McpStdioServerOptions } from '../src/index.ts';
import { eventually, killPids, processesWith, scratchDir, stdioServerPath } from './support.ts';

let scratch: Awaited<ReturnType<typeof scratchDir>>;
let marker: string;
const open: McpConnection[] = [];

beforeEach(async () => {
  scratch = await scratchDir();
  marker = `marker-${randomUUID()}`;
});
afterEach(async () => {
  for (const connection of open.splice(0)) await connection.close();
  killPids(await processesWith(marker));
  await scratch.cleanup();
});

function options(extra: Partial<McpStdioServerOptions> = {}, mode = '--serve'): McpStdioServerOptions {
  return {
    transport: 'stdio',
    name: 'test-stdio',
    command: process.execPath,
    args: [stdioServerPath, mode, marker],
    env: { GREETING: 'hello' },
    cwd: scratch.dir,
    unsafeNoSandbox: true,
    ...extra,
  };
}

async function connect(extra: Partial<McpStdioServerOptions> = {}): Promise<McpConnection> {
  const connection = await connectMcpServer(options(extra));
  open.push(connection);
  return connection;
}

async function failure(promise: Promise<unknown>): Promise<GoosukeError> {
  const error = await promise.then(
    () => null,
    (caught: unknown) => caught,
  );
  if (!GoosukeError.isInstance(error)) throw new Error(`expected a GoosukeError, got ${String(error)}`);
  return error;
}

describe('stdio: the SDK test server', () => {
  it('connects, reports serverInfo, lists the tools and calls them', async () => {
    const connection = await connect();
    expect(connection.serverInfo).toEqual({ name: 'goosuke-test-stdio', version: '1.2.3' });
    expect(connection.sandbox).toEqual(expect.any(String));
    const tools = await connection.listTools();
    expect(tools.map((tool) => tool.name).sort()).toEqual([
      'add',
      'crash',
      'echo',
      'env',
      'fail',
      'pid',
      'sleep',
      'write',
    ]);
    const echo = tools.find((tool) => tool.name === 'echo');
    expect(echo?.description).toBe('Echoes its text');
    expect(echo?.inputSchema).toMatchObject({ type: 'object', properties: { text: { type: 'string' } } });

    expect(await connection.callTool('echo', { text: 'hi there' })).toEqual({
      content: [{ type: 'text', text: 'hi there' }],
      isError: false,
    });
    const sum = await connection.callTool('add', { a: 2, b: 40 });
    expect(sum.structuredContent).toEqual({ sum: 42 });
  });

  it('returns a tool error as a result with isError, not an exception', async () => {
    const connection = await connect();
    const result = await connection.callTool('fail');
    expect(result.isError).toBe(true);
    expect(JSON.stringify(result.content)).toContain('the tool failed on purpose');
    // Invalid arguments are the tool's error too (the SDK's McpServer answers them so).
    expect((await connection.callTool('add', { a: 'x' })).isError).toBe(true);
  });

  it('gives the server exactly the declared environment plus HOME and TMPDIR (and PWD under bwrap)', async () => {
    process.env.GOOSUKE_MCP_HOST_ONLY = 'host-value';
    try {
      const connection = await connect();
      const env = JSON.parse(((await connection.callTool('env')).content[0] as { text: string }).text);
      const names = Object.keys(env).sort();
      expect(names.filter((name) => !['HOME', 'TMPDIR', 'PWD'].includes(name))).toEqual(['GREETING']);
      expect(env.GREETING).toBe('hello');
      expect(env.GOOSUKE_MCP_HOST_ONLY).toBeUndefined();
      expect(env.HOME).not.toBe(process.env.HOME);
      expect(existsSync(env.HOME)).toBe(true); // the host sees the same private path
    } finally {
      delete process.env.GOOSUKE_MCP_HOST_ONLY;
    }
  });

  it('fails a call that outlives its timeout with code timeout; the connection stays usable', async () => {
    const connection = await connect();
    const error = await failure(connection.callTool('sleep', { ms: 10_000 }, { timeoutMs: 200 }));
    expect(error.code).toBe('timeout');
    expect(error.retryable).toBe(true);
    expect(error.message).toBe('the MCP server "test-stdio" did not answer tools/call "sleep" within 200 ms');
    expect(await connection.callTool('echo', { text: 'still here' })).toMatchObject({ isError: false });
  });

  it('cancels a call through its AbortSignal, tells the server, and stays usable', async () => {
    const connection = await connect();
    const controller = new AbortController();
    const call = connection.callTool('sleep', { ms: 10_000 }, { signal: controller.signal });
    setTimeout(() => controller.abort(new Error('user stop')), 200);
    const error = await failure(call);
    expect(error.code).toBe('canceled');
    expect(error.message).toBe('tools/call "sleep" on the MCP server "test-stdio" was canceled');
    expect(await eventually(async () => existsSync(`${scratch.dir}/canceled.txt`))).toBe(true);
    expect((await connection.callTool('echo', { text: 'again' })).isError).toBe(false);
    // Already aborted: fails at once, nothing sent.
    await expect(
      connection.callTool('echo', { text: 'x' }, { signal: AbortSignal.abort() }),
    ).rejects.toMatchObject({
      code: 'canceled',
    });
  });

  it('fails a call whose server crashes mid-call, then every further call at once; no unhandled rejection', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      const connection = await connect({ env: { SECRET_TOKEN: 'tok-crash-4242' } });
      const error = await failure(connection.callTool('crash'));
      expect(error.code).toBe('provider');
      expect(error.message).toMatch(
        /^the MCP server "test-stdio" exited with code 3; its stderr ends with: crashing with SECRET_TOKEN=\*\*\*/,
      );
      expect(error.message).not.toContain('tok-crash-4242');
      expect(JSON.stringify(error.cause ?? null)).not.toContain('tok-crash-4242');

      const started = Date.now();
      const next = await failure(connection.callTool('echo', { text: 'x' }));
      expect(Date.now() - started).toBeLessThan(200);
      expect(next.code).toBe('provider');
      expect(next.message).toContain('is no longer running: exited with code 3');
      await expect(connection.listTools()).rejects.toMatchObject({ code: 'provider' });
      await connection.close();
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });

  it('fails the connect of a server that exits at start, with its stderr, secrets redacted', async () => {
    const error = await failure(
      connectMcpServer({
        ...options({ env: { SECRET_TOKEN: 'tok-start-9999' } }),
        args: [stdioServerPath, '--exit-at-start', marker],
      }),
    );
    expect(error.code).toBe('provider');
    expect(error.message).toContain('the MCP server "test-stdio" exited with code 2');
    expect(error.message).toContain('cannot start: missing configuration (token ***)');
    expect(error.message).not.toContain('tok-start-9999');
  });

  it('fails the connect of a server that never answers initialize, within connectTimeoutMs, and stops it', async () => {
    const started = Date.now();
    const error = await failure(
      connectMcpServer({
        ...options({ connectTimeoutMs: 500 }),
        args: [stdioServerPath, '--no-init', marker],
      }),
    );
    expect(error.code).toBe('timeout');
    expect(error.message).toBe('the MCP server "test-stdio" did not complete initialize within 500 ms');
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(await eventually(async () => (await processesWith(marker)).length === 0)).toBe(true);
  });

  it('fails the connect of a command that does not exist', async () => {
    const error = await failure(
      connectMcpServer({ ...options(), command: '/nonexistent/mcp-server', args: [] }),
    );
    expect(error.code).toBe('provider');
    expect(error.message).toMatch(/the MCP server "test-stdio" (could not be started|exited with code)/);
  });

  it('close() ends the whole process group, is idempotent, and later calls fail with conflict', async () => {
    const connection = await connect();
    expect((await processesWith(marker)).length).toBeGreaterThan(0);
    await Promise.all([connection.close(), connection.close()]);
    await connection.close();
    expect(await eventually(async () => (await processesWith(marker)).length === 0)).toBe(true);
    const error = await failure(connection.callTool('echo', { text: 'x' }));
    expect(error.code).toBe('conflict');
    expect(error.message).toBe('cannot call "echo": the connection to the MCP server "test-stdio" is closed');
  });

  it('fails the connect when the caller aborts it', async () => {
    const controller = new AbortController();
    const connecting = connectMcpServer({
      ...options({ signal: controller.signal }),
      args: [stdioServerPath, '--no-init', marker],
    });
    setTimeout(() => controller.abort(), 200);
    expect((await failure(connecting)).code).toBe('canceled');
    expect(await eventually(async () => (await processesWith(marker)).length === 0)).toBe(true);
  });

  it('refuses invalid options without quoting values', async () => {
    const error = await failure(
      connectMcpServer({ ...options(), env: { HOME: '/secret-home-value' } } as McpStdioServerOptions),
    );
    expect(error.code).toBe('invalid_input');
    expect(error.message).not.toContain('secret-home-value');
    await expect(connectMcpServer({ ...options(), cwd: 'relative' })).rejects.toMatchObject({
      code: 'invalid_input',
    });
  });
});

describe('stdio: reading what the fixture wrote', () => {
  it('runs in the given cwd', async () => {
    const connection = await connect();
    await connection.callTool('write', { path: `${scratch.dir}/in-cwd.txt`, content: 'ok' });
    expect(await readFile(`${scratch.dir}/in-cwd.txt`, 'utf8')).toBe('ok');
  });
});
