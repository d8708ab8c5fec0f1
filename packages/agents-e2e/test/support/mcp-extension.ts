// The MCP extension the extension tests configure once in Goosuke: @goosuke/mcp's stdio fixture
// server (`goosuke-test-stdio` 1.2.3: echo, add, …) run with this Node, a marker on its command
// line so that its processes can be found on the host. Also: a watch on those processes while a
// run goes (an agent's server lives only as long as the agent's session), and the tool calls an
// agent's run recorded, each with its last known title and status.
import { readdir, readFile, readlink } from 'node:fs/promises';
import path from 'node:path';
import type { DefaultGoosuke } from '@goosuke/cli';
import type { Extension, RunEvent } from '@goosuke/core';
import { defaultScript } from './fake-model-script.ts';

/** The fixture server of @goosuke/mcp; its SDK and zod resolve from the repository's node_modules. */
export const stdioServerPath = path.resolve(
  import.meta.dirname,
  '..',
  '..',
  '..',
  'mcp',
  'test',
  'fixtures',
  'stdio-server.mjs',
);

/** The extension's name: the server's name as the agents prefix its tools (`FakeScript.mcpServer`). */
export const factsExtension = defaultScript.mcpServer;

/**
 * Creates the `facts` extension: the fixture server run with this process's Node (an absolute
 * path: agents get no PATH lookup of Goosuke's), `marker` as its last argument.
 */
export async function createFactsExtension(goosuke: DefaultGoosuke, marker: string): Promise<Extension> {
  return await goosuke.extensions.create({
    name: factsExtension,
    type: 'stdio',
    command: process.execPath,
    args: [stdioServerPath, '--serve', marker],
    env: [{ name: 'FACTS_MARKER', value: marker, secret: false }],
    timeoutSeconds: 30,
  });
}

/** A process seen while a watch ran. */
export interface SeenProcess {
  pid: number;
  /** Its working directory as the host sees it. */
  cwd: string;
  cmdline: string;
  /** Its pid in each pid namespace it is in, outermost first (`NSpid`): two or more inside a sandbox. */
  nsPids: number[];
}

/** What the command line of a `facts` server started with `marker` holds (its script and arguments). */
export function factsServerCommand(marker: string): string {
  return `${stdioServerPath} --serve ${marker}`;
}

/** The host's processes whose command line holds `needle`, but those in `skip` (pids). */
export async function processesMatching(
  needle: string,
  skip: ReadonlySet<number> = new Set(),
): Promise<SeenProcess[]> {
  const found: SeenProcess[] = [];
  for (const entry of await readdir('/proc')) {
    const pid = Number(entry);
    if (!/^\d+$/.test(entry) || pid === process.pid || skip.has(pid)) continue;
    const cmdline = (await readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '')).replaceAll('\0', ' ');
    if (!cmdline.includes(needle)) continue;
    const status = await readFile(`/proc/${entry}/status`, 'utf8').catch(() => '');
    const nsPids = (/^NSpid:\s+(.+)$/m.exec(status)?.[1] ?? '').split(/\s+/).filter(Boolean).map(Number);
    const cwd = await readlink(`/proc/${entry}/cwd`).catch(() => '');
    found.push({ pid, cwd, cmdline: cmdline.trim(), nsPids });
  }
  return found;
}

/**
 * Watches the host's processes whose command line holds `needle` (every `intervalMs`) until
 * `stop`, which resolves with each one seen (by pid, as first seen).
 */
export function watchProcesses(needle: string, intervalMs = 25): { stop(): Promise<SeenProcess[]> } {
  const seen = new Map<number, SeenProcess>();
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      for (const found of await processesMatching(needle, new Set(seen.keys()))) seen.set(found.pid, found);
      await new Promise((resolve) => setTimeout(resolve, intervalMs));
    }
  })();
  return {
    async stop() {
      stopped = true;
      await loop;
      return [...seen.values()];
    },
  };
}

/** One tool call of an agent's run: its `tool_call` and `tool_call_update` events together. */
export interface AgentToolCall {
  toolCallId: string;
  /** The last title given (Gemini titles an asked-for call only in its update). */
  title: string | null;
  toolKind: string | null;
  /** The last status given. */
  status: string | null;
  /**
   * Whether a `tool_call` event announced it (for Gemini, which announces none for a call it asks
   * permission for, Goosuke's client records one from the permission request).
   */
  announced: boolean;
}

/** The agent's tool calls in a run's events, in the order first seen. */
export function agentToolCalls(events: readonly RunEvent[]): AgentToolCall[] {
  const calls = new Map<string, AgentToolCall>();
  for (const event of events) {
    if (event.type !== 'run-log') continue;
    const { data } = event;
    if (data.kind !== 'tool_call' && data.kind !== 'tool_call_update') continue;
    const id = String(data.toolCallId);
    const call = calls.get(id) ?? {
      toolCallId: id,
      title: null,
      toolKind: null,
      status: null,
      announced: false,
    };
    if (data.kind === 'tool_call') call.announced = true;
    if (typeof data.title === 'string') call.title = data.title;
    if (typeof data.toolKind === 'string') call.toolKind = data.toolKind;
    if (typeof data.status === 'string') call.status = data.status;
    calls.set(id, call);
  }
  return [...calls.values()];
}
