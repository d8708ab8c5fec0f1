// The stdio server under the real bubblewrap sandbox of @goosuke/acp.
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { createBubblewrapSandbox } from '@goosuke/acp';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { connectMcpServer, type McpConnection } from '../src/index.ts';
import {
  bwrapMissing,
  eventually,
  killPids,
  missingNote,
  processesWith,
  scratchDir,
  stdioServerPath,
} from './support.ts';

let scratch: Awaited<ReturnType<typeof scratchDir>>;
let marker: string;
let connection: McpConnection | null = null;

beforeEach(async () => {
  scratch = await scratchDir();
  marker = `marker-${randomUUID()}`;
});
afterEach(async () => {
  await connection?.close();
  connection = null;
  killPids(await processesWith(marker));
  await scratch.cleanup();
});

const textOf = (result: { content: readonly unknown[] }) => (result.content[0] as { text: string }).text;

describe.skipIf(bwrapMissing)(`stdio under bubblewrap${missingNote}`, () => {
  it('writes only its cwd, HOME and TMPDIR, and sees no host environment', async () => {
    const allowed = path.join(scratch.dir, 'allowed');
    await mkdir(allowed);
    process.env.GOOSUKE_MCP_HOST_SECRET = 'host-only-value';
    try {
      connection = await connectMcpServer({
        transport: 'stdio',
        command: process.execPath,
        args: [stdioServerPath, '--serve', marker],
        env: { ONLY: 'this' },
        cwd: allowed,
      });
    } finally {
      delete process.env.GOOSUKE_MCP_HOST_SECRET;
    }
    expect(connection.sandbox).toMatch(/^bubblewrap .*no network/);

    const inside = await connection.callTool('write', { path: path.join(allowed, 'ok.txt'), content: 'in' });
    expect(inside.isError).toBe(false);
    expect(await readFile(path.join(allowed, 'ok.txt'), 'utf8')).toBe('in');

    const outside = await connection.callTool('write', {
      path: path.join(scratch.dir, 'outside.txt'),
      content: 'x',
    });
    expect(outside.isError).toBe(true);
    expect(textOf(outside)).toMatch(/EROFS|read-only/);
    expect(existsSync(path.join(scratch.dir, 'outside.txt'))).toBe(false);

    const env = JSON.parse(textOf(await connection.callTool('env')));
    expect(Object.keys(env).sort()).toEqual(['HOME', 'ONLY', 'PWD', 'TMPDIR']);
    const home = await connection.callTool('write', { path: path.join(env.HOME, 'h.txt'), content: 'h' });
    expect(home.isError).toBe(false);
  });

  it('leaves no process and no private directory after close', async () => {
    connection = await connectMcpServer({
      transport: 'stdio',
      command: process.execPath,
      args: [stdioServerPath, '--serve', marker],
    });
    const env = JSON.parse(textOf(await connection.callTool('env')));
    expect(env.PWD).toBe(path.join(path.dirname(env.HOME), 'work'));
    expect((await processesWith(marker)).length).toBeGreaterThan(0);
    await connection.close();
    expect(await eventually(async () => (await processesWith(marker)).length === 0)).toBe(true);
    expect(existsSync(env.HOME)).toBe(false);
  });

  it('refuses to start a server unconfined when the sandbox is missing, unless unsafeNoSandbox', async () => {
    const sandbox = createBubblewrapSandbox({ bwrapPath: '/nonexistent/bwrap' });
    const base = {
      transport: 'stdio' as const,
      command: process.execPath,
      args: [stdioServerPath, '--serve', marker],
      sandbox,
    };
    await expect(connectMcpServer(base)).rejects.toMatchObject({
      code: 'unsupported',
      message: expect.stringMatching(/will not be started without a sandbox.*unsafeNoSandbox/),
    });
    expect(await processesWith(marker)).toEqual([]);
    connection = await connectMcpServer({ ...base, unsafeNoSandbox: true });
    expect(connection.sandbox).toMatch(/^unsandboxed/);
  });
});
