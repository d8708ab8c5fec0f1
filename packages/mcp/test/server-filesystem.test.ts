// The published reference server @modelcontextprotocol/server-filesystem (a devDependency), run for
// real over stdio in Goosuke's sandbox, confined to a temporary directory: by its own allowed
// directory and by the sandbox, which lets it write there and nowhere else.
import { mkdtemp, readFile, realpath, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { connectMcpServer, type McpConnection } from '../src/index.ts';

const require = createRequire(import.meta.url);
const entry = path.join(
  path.dirname(require.resolve('@modelcontextprotocol/server-filesystem/package.json')),
  'dist',
  'index.js',
);

let connection: McpConnection | null = null;
const dirs: string[] = [];
afterEach(async () => {
  await connection?.close();
  connection = null;
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

const text = (result: { content: readonly unknown[] }) => JSON.stringify(result.content);

describe('@modelcontextprotocol/server-filesystem over stdio, confined to a temporary directory', () => {
  it('writes and reads inside its directory, and is refused outside it', async () => {
    const dir = await realpath(await mkdtemp(path.join(os.tmpdir(), 'goosuke-mcp-fs-')));
    const outside = await realpath(await mkdtemp(path.join(os.tmpdir(), 'goosuke-mcp-outside-')));
    dirs.push(dir, outside);
    connection = await connectMcpServer({
      transport: 'stdio',
      command: process.execPath,
      args: [entry, dir],
      cwd: dir,
    });
    expect(connection.sandbox).not.toBeNull();
    const names = (await connection.listTools()).map((tool) => tool.name);
    expect(names).toEqual(expect.arrayContaining(['read_text_file', 'write_file', 'list_directory']));

    const written = await connection.callTool('write_file', {
      path: path.join(dir, 'note.txt'),
      content: 'hello',
    });
    expect(written.isError).toBe(false);
    expect(await readFile(path.join(dir, 'note.txt'), 'utf8')).toBe('hello');
    const read = await connection.callTool('read_text_file', { path: path.join(dir, 'note.txt') });
    expect(read.isError).toBe(false);
    expect(text(read)).toContain('hello');
    expect(text(await connection.callTool('list_directory', { path: dir }))).toContain('note.txt');

    // Outside its directory: the server refuses, and nothing is written.
    const escaped = await connection.callTool('write_file', {
      path: path.join(outside, 'escaped.txt'),
      content: 'no',
    });
    expect(escaped.isError).toBe(true);
    await expect(readFile(path.join(outside, 'escaped.txt'), 'utf8')).rejects.toMatchObject({
      code: 'ENOENT',
    });
    const secret = await connection.callTool('read_text_file', { path: '/etc/hostname' });
    expect(secret.isError).toBe(true);
  });
});
