import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { runGit } from '@goosuke/core/testing';
import { type FakeOpenAIServer, startFakeOpenAIServer } from '@goosuke/openai/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { removeTemporaryDirectories, runMain, temporaryDirectory } from '../../test/helpers.ts';

// `goosuke run --extension`: a real stdio MCP server (the @goosuke/mcp fixture) started in the
// sandbox for the edit agent's tool loop, against the OpenAI fake.
const stdioServer = path.resolve(import.meta.dirname, '../../../mcp/test/fixtures/stdio-server.mjs');
const secretKey = 'a-long-enough-master-secret-0123456789abcdef';
const openaiKey = 'sk-openai-test-key-0123456789';
const envSecret = 'mcp-run-secret-value-do-not-print-7c3d';
const greet = "export function greet(name: string): string {\n  return 'Hello ' + name;\n}\n";

let openai: FakeOpenAIServer;
beforeEach(async () => {
  openai = await startFakeOpenAIServer({ apiKey: openaiKey });
});
afterEach(async () => {
  await openai.close();
  await removeTemporaryDirectories();
});

async function setUp() {
  const cwd = await temporaryDirectory();
  const repo = path.join(cwd, 'repo');
  await mkdir(path.join(repo, 'src'), { recursive: true });
  await writeFile(path.join(repo, 'src', 'greet.ts'), greet);
  await runGit(repo, ['init', '-q', '-b', 'main']);
  await runGit(repo, ['add', '-A']);
  await runGit(repo, ['commit', '-q', '-m', 'initial']);
  const env = {
    GOOSUKE_SECRET_KEY: secretKey,
    GOOSUKE_DATA_DIR: path.join(cwd, 'data'),
    OPENAI_API_KEY: openaiKey,
    OPENAI_BASE_URL: openai.url,
    MY_SECRET: envSecret,
    PATH: process.env.PATH ?? '/usr/bin:/bin',
  };
  return { cwd, goosuke: (argv: string[]) => runMain(argv, { cwd, env }) };
}

const edit = (summary: string, replacement: string) =>
  [
    summary,
    '',
    'src/greet.ts',
    '```ts',
    '<<<<<<< SEARCH',
    "  return 'Hello ' + name;",
    '=======',
    replacement,
    '>>>>>>> REPLACE',
    '```',
  ].join('\n');

describe('goosuke run --extension', () => {
  it('gives the model the extension’s tools: the call runs in the sandbox, its result reaches the edit', async () => {
    const { goosuke } = await setUp();
    const added = await goosuke([
      'extensions',
      'add',
      'facts',
      '--command',
      `${process.execPath} ${stdioServer}`,
      '--secret-env',
      'SECRET_TOKEN=MY_SECRET',
    ]);
    expect(added.code, added.stderr).toBe(0);
    openai.respond(
      { kind: 'reply', toolCalls: [{ id: 'call_1', name: 'facts__add', arguments: { a: 20, b: 22 } }] },
      { kind: 'reply', toolCalls: [{ id: 'call_2', name: 'facts__env', arguments: {} }] },
      { kind: 'reply', text: edit('Uses the answer.', "  return 'Hello ' + name + ' 42';") },
    );
    const run = await goosuke([
      'run',
      '--repo',
      'repo',
      '-M',
      'openai:gpt-4.1',
      '--extension',
      'facts',
      '-m',
      'Append the sum of 20 and 22 to the greeting',
      '--json',
    ]);
    expect(run.code, run.stderr).toBe(0);
    // Progress shows the extension and each call as it happens.
    expect(run.stderr).toMatch(/extension facts: goosuke-test-stdio 1\.2\.3, \d+ tools/);
    expect(run.stderr).toMatch(/tool call: facts: add \{"a":20,"b":22\}/);
    const report = JSON.parse(run.stdout) as { runs: Array<{ status: string; filesChanged: unknown[] }> };
    expect(report.runs[0]?.status).toBe('succeeded');

    const requests = openai.requests.map(
      (request) => request.body as { messages: unknown[]; tools?: unknown[] },
    );
    const toolNames = (requests[0]?.tools ?? []).map(
      (tool) => (tool as { function: { name: string } }).function.name,
    );
    expect(toolNames).toEqual(
      expect.arrayContaining(['facts__add', 'facts__echo', 'read_file', 'search_files']),
    );
    expect(requests[1]?.messages.at(-1)).toMatchObject({
      role: 'tool',
      tool_call_id: 'call_1',
      content: '42',
    });
    // The server had its own environment: its secret, a PATH, and nothing of Goosuke's.
    const envResult = requests[2]?.messages.at(-1) as { content: string };
    const serverEnv = JSON.parse(envResult.content) as Record<string, string>;
    expect(serverEnv.SECRET_TOKEN).toBe(envSecret);
    expect(serverEnv.OPENAI_API_KEY).toBeUndefined();
    expect(serverEnv.GOOSUKE_SECRET_KEY).toBeUndefined();
    // The secret reached the model (the tool returned it) but never the terminal.
    expect(run.stdout + run.stderr).not.toContain(envSecret);
  });

  it('refuses an unknown extension before cloning or calling a model: exit 2, one line', async () => {
    const { goosuke } = await setUp();
    const run = await goosuke([
      'run',
      '--repo',
      'repo',
      '-M',
      'openai:gpt-4.1',
      '--extension',
      'nope',
      '-m',
      'x',
    ]);
    expect(run.code).toBe(2);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).toMatch(/unknown extension "nope"/);
    expect(openai.requests).toHaveLength(0);
  });
});
