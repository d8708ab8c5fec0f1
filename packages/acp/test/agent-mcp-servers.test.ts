// agentMcpServersOf (a run's extensions as ACP mcpServers) and its use by the agent host: the
// fake ACP agent records the mcpServers of session/new, and calls their tools (MCP=<server>/<tool>)
// with the MCP SDK's client, from inside the bubblewrap sandbox.
import { chmod, mkdir, mkdtemp, readFile, realpath, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  type AgentMcpBridge,
  type AgentMcpBridgeFactory,
  agentMcpServersOf,
  createAcpAgentHost,
  findExecutable,
} from '@goosuke/acp';
import type { AgentExtension, AgentRunRequest, ModelProfile } from '@goosuke/core';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { CallToolRequestSchema, ListToolsRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  dataOf,
  type EmittedEvent,
  fakeAgentPath,
  inputFor,
  killLeftovers,
  makeScratch,
  missingNote,
  noProcessUnder,
  processesUnder,
  type Scratch,
  sandboxed,
  summaryOf,
} from './support.ts';

const stdioServerPath = path.join(import.meta.dirname, 'fixtures', 'stdio-mcp-server.mjs');
const nodePath = process.execPath;
const nodeBin = path.dirname(nodePath);

let dir: string;
beforeEach(async () => {
  dir = await realpath(await mkdtemp(path.join(tmpdir(), 'goosuke-mcp-servers-')));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const extension = (
  overrides: Partial<AgentExtension> & Pick<AgentExtension, 'name' | 'type'>,
): AgentExtension => ({
  id: `ext-${overrides.name}`,
  command: null,
  args: [],
  cwd: null,
  env: {},
  url: null,
  headers: {},
  timeoutSeconds: 30,
  ...overrides,
});
const stdio = (name: string, command: string, more: Partial<AgentExtension> = {}) =>
  extension({ name, type: 'stdio', command, ...more });
const remote = (
  name: string,
  type: 'streamable_http' | 'sse' = 'streamable_http',
  more: Partial<AgentExtension> = {},
) =>
  extension({
    name,
    type,
    url: `https://mcp.example.test/${name}`,
    headers: { Authorization: 'Bearer upstream-credential-8812' },
    ...more,
  });

/** An executable script at `dir/relative`. */
async function executable(relative: string, body = '#!/bin/sh\nexit 0\n'): Promise<string> {
  const file = path.join(dir, relative);
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, body);
  await chmod(file, 0o755);
  return file;
}

/** A bridge factory that opens nothing: a fixed endpoint per extension, its calls and closes recorded. */
function fakeBridges(options: { failFor?: string[]; closeFails?: boolean } = {}) {
  const opened: Array<{ extension: AgentExtension; signal: AbortSignal | undefined }> = [];
  const closed: string[] = [];
  let nextPort = 41_001;
  const factory: AgentMcpBridgeFactory = async (ext, signal) => {
    if (options.failFor?.includes(ext.name)) {
      throw new Error(`the MCP server "${ext.name}" failed during initialize: fetch failed: ECONNREFUSED`);
    }
    opened.push({ extension: ext, signal });
    const port = nextPort++;
    const bridge: AgentMcpBridge = {
      url: `http://127.0.0.1:${port}/mcp`,
      port,
      headers: { Authorization: `Bearer bridge-token-${ext.name}` },
      close: async () => {
        closed.push(ext.name);
        if (options.closeFails) throw new Error('close failed');
      },
    };
    return bridge;
  };
  return { factory, opened, closed };
}

describe('agentMcpServersOf: stdio extensions', () => {
  it('gives the command as found on the search PATH, its arguments and its environment as a list', async () => {
    const server = await executable('tools/bin/mcp-files');
    const mapped = await agentMcpServersOf(
      [
        stdio('files', 'mcp-files', {
          args: ['--root', '.', '--verbose'],
          env: { FILES_TOKEN: 'tok-1', LOG_LEVEL: 'debug' },
          cwd: '/somewhere/else',
        }),
      ],
      { searchPath: `${dir}/empty:${dir}/tools/bin:/usr/bin`, nodePath },
    );
    expect(mapped.servers).toEqual([
      {
        name: 'files',
        command: server,
        args: ['--root', '.', '--verbose'],
        env: [
          { name: 'FILES_TOKEN', value: 'tok-1' },
          { name: 'LOG_LEVEL', value: 'debug' },
        ],
      },
    ]);
    expect(mapped.skipped).toEqual([]);
    expect(mapped.loopbackPorts).toEqual([]);
    // What it runs from is visible to the sandbox, with Node's install.
    expect(mapped.visiblePaths).toContain(path.join(dir, 'tools/bin'));
    expect(mapped.visiblePaths).toContain(nodeBin);
    expect(new Set(mapped.visiblePaths).size).toBe(mapped.visiblePaths.length);
    await mapped.close();
  });

  it('looks the command up on the extension’s own PATH when it sets one', async () => {
    const own = await executable('own/bin/mcp-own');
    await executable('shared/bin/mcp-own');
    const mapped = await agentMcpServersOf(
      [stdio('own', 'mcp-own', { env: { PATH: `${dir}/own/bin:/usr/bin` } })],
      { searchPath: `${dir}/shared/bin`, nodePath },
    );
    expect(mapped.servers).toEqual([
      { name: 'own', command: own, args: [], env: [{ name: 'PATH', value: `${dir}/own/bin:/usr/bin` }] },
    ]);
    expect(mapped.visiblePaths).toContain(path.join(dir, 'own/bin'));
    expect(mapped.visiblePaths).not.toContain(path.join(dir, 'shared/bin'));
  });

  it('shows an npm server’s outermost node_modules, and a Node script’s directory', async () => {
    await executable('project/node_modules/@acme/mcp/node_modules/dep/index.js');
    const bin = await executable('project/node_modules/.bin/acme-mcp');
    const script = await executable('scripts/server.mjs', 'console.log(1)\n');
    const mapped = await agentMcpServersOf(
      [stdio('acme', 'acme-mcp'), stdio('script', 'node', { args: ['--no-warnings', script] })],
      { searchPath: `${dir}/project/node_modules/.bin:${nodeBin}`, nodePath },
    );
    expect(mapped.servers.map((server) => ('command' in server ? server.command : null))).toEqual([
      bin,
      path.join(nodeBin, 'node'),
    ]);
    expect(mapped.visiblePaths).toContain(path.join(dir, 'project/node_modules'));
    expect(mapped.visiblePaths).toContain(path.join(dir, 'scripts'));
  });

  it('names servers plainly and uniquely (agents prefix tool names with them)', async () => {
    await executable('bin/srv');
    const options = { searchPath: `${dir}/bin`, nodePath };
    const mapped = await agentMcpServersOf(
      [
        stdio('My Tools!', 'srv'),
        stdio('My Tools?', 'srv'),
        stdio('My_Tools_', 'srv'),
        stdio('日本', 'srv'),
        stdio('x'.repeat(60), 'srv'),
      ],
      options,
    );
    expect(mapped.servers.map((server) => server.name)).toEqual([
      'My_Tools_',
      'My_Tools__2',
      'My_Tools__3',
      '_',
      'x'.repeat(40),
    ]);
  });

  it('gives an absolute command as it is, and a relative one (the working copy’s) without resolving it here', async () => {
    const absolute = await executable('abs/server');
    const mapped = await agentMcpServersOf(
      [stdio('abs', absolute), stdio('rel', './tools/server', { args: ['x'] })],
      { searchPath: '/usr/bin', nodePath },
    );
    expect(mapped.servers).toEqual([
      { name: 'abs', command: absolute, args: [], env: [] },
      { name: 'rel', command: './tools/server', args: ['x'], env: [] },
    ]);
    expect(mapped.visiblePaths).toContain(path.join(dir, 'abs'));
    // Nothing of this process's cwd is shown for the relative one.
    expect(mapped.visiblePaths).not.toContain(process.cwd());
    expect(mapped.visiblePaths.some((entry) => entry.startsWith(`${process.cwd()}/`))).toBe(false);
  });

  it('skips a server whose command cannot be found, showing nothing for it', async () => {
    await mkdir(path.join(dir, 'bin/mcp-dir'), { recursive: true });
    await writeFile(path.join(dir, 'bin/mcp-plain'), 'not executable\n');
    const mapped = await agentMcpServersOf(
      [
        stdio('missing', 'mcp-nowhere'),
        // A directory and a file that is not executable are no commands.
        stdio('dir', 'mcp-dir'),
        stdio('plain', 'mcp-plain'),
        stdio('gone', path.join(dir, 'no/such/server')),
      ],
      { searchPath: `${dir}/bin`, nodePath },
    );
    expect(mapped.servers).toEqual([]);
    expect(mapped.visiblePaths).toEqual([]);
    expect(mapped.skipped).toEqual([
      { name: 'missing', reason: `its command mcp-nowhere was not found on the PATH (${dir}/bin)` },
      { name: 'dir', reason: `its command mcp-dir was not found on the PATH (${dir}/bin)` },
      { name: 'plain', reason: `its command mcp-plain was not found on the PATH (${dir}/bin)` },
      { name: 'gone', reason: `its command ${path.join(dir, 'no/such/server')} is not an executable file` },
    ]);
  });
});

describe('findExecutable', () => {
  it('takes the first executable regular file on the absolute directories of the PATH', async () => {
    // A directory, then a file that is not executable, then the one.
    await mkdir(path.join(dir, 'a/tool'), { recursive: true });
    await mkdir(path.join(dir, 'b'), { recursive: true });
    await writeFile(path.join(dir, 'b/tool'), 'not executable\n');
    const tool = await executable('c/tool');
    await executable('d/tool');
    expect(await findExecutable('tool', `${dir}/a:${dir}/b::${dir}/c:${dir}/d`)).toBe(tool);
    expect(await findExecutable('absent', `${dir}/a:${dir}/c`)).toBeNull();
    expect(await findExecutable('tool', '')).toBeNull();
  });

  it('ignores relative directories of the PATH, and resolves a command holding a slash', async () => {
    await executable('rel/tool');
    const previous = process.cwd();
    process.chdir(dir);
    try {
      expect(await findExecutable('tool', 'rel')).toBeNull();
      expect(await findExecutable('rel/tool', '')).toBe(path.join(dir, 'rel/tool'));
    } finally {
      process.chdir(previous);
    }
  });
});

describe('agentMcpServersOf: HTTP and SSE extensions', () => {
  it('puts each behind a bridge: its URL and headers for the agent, its port for the sandbox', async () => {
    const bridges = fakeBridges();
    const controller = new AbortController();
    const mapped = await agentMcpServersOf([remote('search'), remote('legacy', 'sse')], {
      searchPath: '',
      nodePath,
      bridge: bridges.factory,
      signal: controller.signal,
    });
    expect(mapped.servers).toEqual([
      {
        type: 'http',
        name: 'search',
        url: 'http://127.0.0.1:41001/mcp',
        headers: [{ name: 'Authorization', value: 'Bearer bridge-token-search' }],
      },
      {
        type: 'http',
        name: 'legacy',
        url: 'http://127.0.0.1:41002/mcp',
        headers: [{ name: 'Authorization', value: 'Bearer bridge-token-legacy' }],
      },
    ]);
    expect(mapped.loopbackPorts).toEqual([41_001, 41_002]);
    expect(mapped.visiblePaths).toEqual([]);
    expect(mapped.skipped).toEqual([]);
    // The factory got the extensions as they are (their headers stay with it) and the signal.
    expect(bridges.opened.map(({ extension: ext }) => ext)).toEqual([
      remote('search'),
      remote('legacy', 'sse'),
    ]);
    expect(bridges.opened.every(({ signal }) => signal === controller.signal)).toBe(true);
    // The upstream's credential is nowhere in what the agent gets.
    expect(JSON.stringify(mapped.servers)).not.toContain('upstream-credential-8812');

    expect(bridges.closed).toEqual([]);
    await mapped.close();
    expect(bridges.closed.sort()).toEqual(['legacy', 'search']);
  });

  it('goes without an extension whose bridge fails, and keeps the others', async () => {
    await executable('bin/srv');
    const bridges = fakeBridges({ failFor: ['down'] });
    const mapped = await agentMcpServersOf([remote('down'), remote('up'), stdio('local', 'srv')], {
      searchPath: `${dir}/bin`,
      nodePath,
      bridge: bridges.factory,
    });
    expect(mapped.servers.map((server) => server.name)).toEqual(['up', 'local']);
    expect(mapped.loopbackPorts).toEqual([41_001]);
    expect(mapped.skipped).toEqual([
      { name: 'down', reason: 'the MCP server "down" failed during initialize: fetch failed: ECONNREFUSED' },
    ]);
    await mapped.close();
  });

  it('rejects when the run is canceled while bridges open, closing those already open', async () => {
    const controller = new AbortController();
    const closed: string[] = [];
    const factory: AgentMcpBridgeFactory = async (ext, signal) => {
      if (ext.name === 'second') {
        controller.abort(new Error('canceled by the user'));
        throw signal?.reason;
      }
      return {
        url: 'http://127.0.0.1:41001/mcp',
        port: 41_001,
        headers: {},
        close: async () => {
          closed.push(ext.name);
        },
      };
    };
    await expect(
      agentMcpServersOf([remote('first'), remote('second'), remote('third')], {
        searchPath: '',
        nodePath,
        bridge: factory,
        signal: controller.signal,
      }),
    ).rejects.toThrow('canceled by the user');
    expect(closed).toEqual(['first']);
  });

  it('close() closes every bridge even when one fails to close, and never rejects', async () => {
    const bridges = fakeBridges({ closeFails: true });
    const mapped = await agentMcpServersOf([remote('a'), remote('b')], {
      searchPath: '',
      nodePath,
      bridge: bridges.factory,
    });
    await expect(mapped.close()).resolves.toBeUndefined();
    expect(bridges.closed.sort()).toEqual(['a', 'b']);
  });

  it('without a bridge factory, goes without HTTP and SSE extensions, saying why', async () => {
    const mapped = await agentMcpServersOf([remote('search'), remote('legacy', 'sse')], {
      searchPath: '',
      nodePath,
    });
    expect(mapped.servers).toEqual([]);
    expect(mapped.skipped).toEqual([
      { name: 'search', reason: 'HTTP and SSE extensions need an MCP bridge, which this host lacks' },
      { name: 'legacy', reason: 'HTTP and SSE extensions need an MCP bridge, which this host lacks' },
    ]);
  });
});

describe('agentMcpServersOf: what is not given to agents', () => {
  it('skips builtin extensions, a stdio one without a command and an HTTP one without a URL', async () => {
    const bridges = fakeBridges();
    const mapped = await agentMcpServersOf(
      [
        extension({ name: 'developer', type: 'builtin', command: 'developer' }),
        extension({ name: 'no-command', type: 'stdio' }),
        extension({ name: 'no-url', type: 'streamable_http' }),
      ],
      { searchPath: '/usr/bin', nodePath, bridge: bridges.factory },
    );
    expect(mapped.servers).toEqual([]);
    expect(bridges.opened).toEqual([]);
    expect(mapped.skipped).toEqual([
      { name: 'developer', reason: 'extensions of type builtin are not given to agents' },
      { name: 'no-command', reason: 'a stdio extension without a command' },
      { name: 'no-url', reason: 'a streamable_http extension without a URL' },
    ]);
  });

  it('maps no extensions to nothing', async () => {
    const mapped = await agentMcpServersOf([], { searchPath: '/usr/bin', nodePath });
    expect(mapped).toMatchObject({ servers: [], visiblePaths: [], loopbackPorts: [], skipped: [] });
    await mapped.close();
  });
});

// ---------------------------------------------------------------------------------------------
// The agent host: a run with extensions, the fake agent in the real sandbox.

const profile: ModelProfile = {
  id: 'profile-1',
  provider: 'openai',
  modelName: 'gpt-test',
  displayName: 'GPT test',
  baseUrl: null,
  hasApiKey: true,
  capabilities: {},
  createdAt: '2026-01-01T00:00:00.000Z',
  updatedAt: '2026-01-01T00:00:00.000Z',
};
const gatewayToken = 'gw-token-mcp-5150';

/** A loopback streamable-HTTP MCP server (what a bridge serves) requiring `Bearer <token>`. */
async function startHttpMcp(
  token: string,
): Promise<{ port: number; requests: number; close(): Promise<void> }> {
  const state = { requests: 0 };
  const http: HttpServer = createServer((request, response) => {
    state.requests++;
    if (request.headers.authorization !== `Bearer ${token}`) {
      response.writeHead(401).end();
      return;
    }
    const server = new Server({ name: 'bridged', version: '1.0.0' }, { capabilities: { tools: {} } });
    server.setRequestHandler(ListToolsRequestSchema, () => ({
      tools: [
        { name: 'whoami', description: 'Who answers', inputSchema: { type: 'object', properties: {} } },
      ],
    }));
    server.setRequestHandler(CallToolRequestSchema, () => ({
      content: [{ type: 'text', text: 'answered by the bridged server' }],
    }));
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined });
    response.on('close', () => {
      void transport.close();
      void server.close();
    });
    void server
      .connect(transport)
      .then(() => transport.handleRequest(request, response))
      .catch(() => {
        if (!response.headersSent) response.writeHead(500).end();
      });
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  return {
    port: (http.address() as AddressInfo).port,
    get requests() {
      return state.requests;
    },
    close: async () => {
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
}

sandboxed(`an agent run with extensions${missingNote}`, () => {
  let scratch: Scratch;
  let gateway: HttpServer;
  let gatewayPort: number;
  let events: EmittedEvent[] = [];
  const servers: Array<{ close(): Promise<void> }> = [];
  beforeEach(async () => {
    scratch = await makeScratch();
    gateway = createServer((_, response) => response.end('gateway'));
    await new Promise<void>((resolve) => gateway.listen(0, '127.0.0.1', resolve));
    gatewayPort = (gateway.address() as AddressInfo).port;
  });
  afterEach(async (context) => {
    if (context.task.result?.state === 'fail') killLeftovers(events, await processesUnder(scratch.root));
    events = [];
    for (const server of servers.splice(0)) await server.close();
    await new Promise((resolve) => gateway.close(resolve));
    await scratch.cleanup();
  });

  const request = (extensions: AgentExtension[]): AgentRunRequest => ({
    runId: 'run-1',
    taskId: 'task-1',
    spec: {
      kind: 'custom',
      definition: {
        id: 'agent-1',
        name: 'fake-agent',
        command: nodePath,
        args: [fakeAgentPath],
        wire: 'openai-responses',
        sessionMode: 'autoEdit',
        description: null,
        createdAt: '2026-01-01T00:00:00.000Z',
        updatedAt: '2026-01-01T00:00:00.000Z',
      },
    },
    profile,
    gateway: { baseUrl: `http://127.0.0.1:${gatewayPort}`, token: gatewayToken },
    allowShell: false,
    extensions,
  });

  /** The JSON of the line `mcp:<server>/<tool>=` of the agent's final message. */
  const mcpResult = (summary: string, call: string): { tools: string[]; isError: boolean; text: string } => {
    const line = summary.split('\n').find((entry) => entry.startsWith(`mcp:${call}=`));
    if (line === undefined) throw new Error(`no result of ${call} in: ${summary}`);
    const value = line.slice(`mcp:${call}=`.length);
    if (!value.startsWith('{')) throw new Error(`${call}: ${value}`);
    return JSON.parse(value);
  };

  it('hands the agent its stdio and bridged servers, which it starts and reaches inside the sandbox', async () => {
    const bridgeToken = 'bridge-token-run-77';
    const opened: AgentExtension[] = [];
    let closes = 0;
    let bridgePort = 0;
    const bridge: AgentMcpBridgeFactory = async (ext) => {
      if (ext.name === 'broken')
        throw new Error('the MCP server "broken" failed during initialize: HTTP 502');
      opened.push(ext);
      const server = await startHttpMcp(bridgeToken);
      servers.push(server);
      bridgePort = server.port;
      return {
        url: `http://127.0.0.1:${server.port}/mcp`,
        port: server.port,
        headers: { Authorization: `Bearer ${bridgeToken}` },
        close: async () => {
          closes++;
          await server.close();
        },
      };
    };
    const host = createAcpAgentHost({ mcpBridge: bridge });
    const outside = path.join(scratch.dir, 'outside.txt');
    const extensions = [
      stdio('local files', 'node', {
        args: [stdioServerPath],
        env: { EXT_VALUE: 'from-the-extension', OUTSIDE_FILE: outside },
      }),
      remote('remote', 'sse', { headers: { Authorization: 'Bearer upstream-credential-8812' } }),
      remote('broken'),
      extension({ name: 'developer', type: 'builtin', command: 'developer' }),
    ];
    const made = inputFor('MCP=local_files/hello MCP=local_files/probe MCP=remote/whoami', scratch.workspace);
    events = made.events;
    const outcome = await host.create(request(extensions)).run(made.input);
    expect(outcome.status).toBe('succeeded');

    // session/new got the mapped servers: the stdio one with Node found on the agent's PATH.
    const sessionNew = JSON.parse((await scratch.workspace.readFile('session-new.json'))!);
    expect(sessionNew.mcpServers).toEqual([
      {
        name: 'local_files',
        command: path.join(nodeBin, 'node'),
        args: [stdioServerPath],
        env: [
          { name: 'EXT_VALUE', value: 'from-the-extension' },
          { name: 'OUTSIDE_FILE', value: outside },
        ],
      },
      {
        type: 'http',
        name: 'remote',
        url: `http://127.0.0.1:${bridgePort}/mcp`,
        headers: [{ name: 'Authorization', value: `Bearer ${bridgeToken}` }],
      },
    ]);
    expect(JSON.stringify(sessionNew)).not.toContain('upstream-credential-8812');
    expect(opened.map((ext) => ext.name)).toEqual(['remote']);

    // The agent started the stdio server inside its sandbox, in the working copy, with the
    // extension's environment: it could not write outside the copy.
    const summary = summaryOf(outcome);
    expect(mcpResult(summary, 'local_files/hello')).toEqual({
      tools: ['hello', 'probe'],
      isError: false,
      text: 'hello from the stdio server',
    });
    const probe = JSON.parse(mcpResult(summary, 'local_files/probe').text);
    expect(probe).toMatchObject({ cwd: scratch.root, ext: 'from-the-extension', outside: 'EROFS' });
    expect(await readFile(outside, 'utf8')).toBe('not the agent’s\n');
    // And it reached the bridge's loopback port, which the sandbox let through with the gateway's.
    expect(mcpResult(summary, 'remote/whoami')).toEqual({
      tools: ['whoami'],
      isError: false,
      text: 'answered by the bridged server',
    });
    const [sandbox] = dataOf(events, 'sandbox');
    expect(sandbox?.sandboxed).not.toBe(false);
    expect([...((sandbox?.allowLoopbackPorts ?? []) as number[])].sort()).toEqual(
      [gatewayPort, bridgePort].sort(),
    );

    // The extensions it went without: one event each, and a warning each in the outcome.
    expect(dataOf(events, 'extension_unavailable')).toEqual([
      {
        kind: 'extension_unavailable',
        extension: 'broken',
        reason: 'the MCP server "broken" failed during initialize: HTTP 502',
      },
      {
        kind: 'extension_unavailable',
        extension: 'developer',
        reason: 'extensions of type builtin are not given to agents',
      },
    ]);
    const unavailable = events.filter((event) => event.data.kind === 'extension_unavailable');
    expect(unavailable.every((event) => event.type === 'run-log' && event.level === 'warn')).toBe(true);
    expect(outcome.warnings).toEqual(
      expect.arrayContaining([
        'extension broken: the MCP server "broken" failed during initialize: HTTP 502; the agent went without it',
        'extension developer: extensions of type builtin are not given to agents; the agent went without it',
      ]),
    );
    // The bridge was closed with the run, and nothing the agent started outlives it.
    expect(closes).toBe(1);
    expect(await noProcessUnder(scratch.root)).toBe(true);
  });

  it('runs with no extension server at all when every extension is skipped, and passes none', async () => {
    const host = createAcpAgentHost();
    const made = inputFor('MCP=remote/whoami', scratch.workspace);
    events = made.events;
    const outcome = await host
      .create(request([remote('remote'), stdio('ghost', 'mcp-not-installed')]))
      .run(made.input);
    expect(outcome.status).toBe('succeeded');
    const sessionNew = JSON.parse((await scratch.workspace.readFile('session-new.json'))!);
    expect(sessionNew.mcpServers).toEqual([]);
    expect(summaryOf(outcome)).toContain('mcp:remote/whoami=failed("no such server")');
    expect(dataOf(events, 'extension_unavailable').map((data) => data.extension)).toEqual([
      'remote',
      'ghost',
    ]);
    expect(outcome.warnings).toHaveLength(2);
    // Only the gateway's port is let through.
    expect(dataOf(events, 'sandbox')[0]).toMatchObject({ allowLoopbackPorts: [gatewayPort] });
  });

  it('closes the bridges when the run fails', async () => {
    let closes = 0;
    const host = createAcpAgentHost({
      mcpBridge: async () => {
        const server = await startHttpMcp('t');
        servers.push(server);
        return {
          url: `http://127.0.0.1:${server.port}/mcp`,
          port: server.port,
          headers: {},
          close: async () => {
            closes++;
            await server.close();
          },
        };
      },
    });
    const made = inputFor('CRASH', scratch.workspace);
    events = made.events;
    const outcome = await host.create(request([remote('remote')])).run(made.input);
    expect(outcome.status).toBe('failed');
    expect(closes).toBe(1);
  });
});
