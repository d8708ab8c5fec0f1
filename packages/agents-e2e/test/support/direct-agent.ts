// The baseline of the overhead measurement: a real agent run without Goosuke. The same program,
// arguments, environment, home files and session mode as Goosuke's recipe gives it (the recipe
// pointed at the fake instead of the gateway, with the real key instead of a run token), spawned
// plainly on a checkout and driven over ACP by a minimal client that serves the fs capability
// from disk and allows what is asked: no store, no working copy, no gateway, no sandbox, no diff
// or commit.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Readable, Writable } from 'node:stream';
import * as acp from '@agentclientprotocol/sdk';
import { builtInRecipes } from '@goosuke/acp';
import { type AgentName, agents, realKeys } from './agents.ts';
import { agentProgram } from './traced-agent.ts';

export interface DirectRun {
  stopReason: string;
  /** The agent's messages, joined. */
  reply: string;
  /** From the spawn to the prompt's answer. */
  turnMs: number;
  /** From the spawn to the process group's end (killed once the turn ended). */
  wallMs: number;
}

function killGroup(child: ChildProcess): void {
  try {
    if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
  } catch {
    // Gone already.
  }
}

/** Runs `agent` once on `checkout` against the fake at `fakeUrl`. */
export async function runAgentDirectly(
  agent: AgentName,
  checkout: string,
  fakeUrl: string,
  instruction: string,
): Promise<DirectRun> {
  const program = await agentProgram(agent);
  const script = program.length === 2;
  const recipe = builtInRecipes[agent]({
    gateway: { baseUrl: fakeUrl, token: realKeys[agents[agent].wire] },
    model: agents[agent].model,
    executable: { path: program.at(-1)!, runWith: script ? 'node' : 'exec' },
    allowShell: false,
  });
  const scratch = await mkdtemp(path.join(os.tmpdir(), `goosuke-direct-${agent}-`));
  const home = path.join(scratch, 'home');
  const tmp = path.join(scratch, 'tmp');
  await mkdir(tmp, { recursive: true });
  for (const [file, content] of Object.entries(recipe.homeFiles)) {
    await mkdir(path.dirname(path.join(home, file)), { recursive: true });
    await writeFile(path.join(home, file), content);
  }
  const homeEnv: Record<string, string> = {};
  for (const [name, dir] of Object.entries(recipe.homeEnv)) {
    homeEnv[name] = path.join(home, dir);
    await mkdir(homeEnv[name], { recursive: true });
  }

  const started = performance.now();
  const child = spawn(recipe.command, [...recipe.args], {
    cwd: checkout,
    env: { ...recipe.env, ...homeEnv, HOME: home, TMPDIR: tmp },
    stdio: ['pipe', 'pipe', 'ignore'],
    detached: true,
  });
  const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));
  let reply = '';
  const connection = acp
    .client({ name: 'agents-e2e-direct' })
    .onNotification('session/update', ({ params }) => {
      const update = params.update;
      if (update.sessionUpdate === 'agent_message_chunk' && update.content.type === 'text') {
        reply += update.content.text;
      }
    })
    .onRequest('session/request_permission', ({ params }) => {
      const allow = params.options.find((option) => option.kind === 'allow_once') ?? params.options[0]!;
      return { outcome: { outcome: 'selected', optionId: allow.optionId } };
    })
    .onRequest('fs/read_text_file', async ({ params }) => ({ content: await readFile(params.path, 'utf8') }))
    .onRequest('fs/write_text_file', async ({ params }) => {
      await writeFile(params.path, params.content);
      return {};
    })
    .connect(
      acp.ndJsonStream(
        Writable.toWeb(child.stdin!) as WritableStream<Uint8Array>,
        Readable.toWeb(child.stdout!) as ReadableStream<Uint8Array>,
      ),
    );
  try {
    await connection.agent.request('initialize', {
      protocolVersion: 1,
      clientCapabilities: { fs: { readTextFile: true, writeTextFile: true }, terminal: false },
      clientInfo: { name: 'agents-e2e-direct', version: '0' },
    });
    const session = await connection.agent.request('session/new', { cwd: checkout, mcpServers: [] });
    if (recipe.sessionMode !== undefined && session.modes?.currentModeId !== recipe.sessionMode) {
      await connection.agent.request('session/set_mode', {
        sessionId: session.sessionId,
        modeId: recipe.sessionMode,
      });
    }
    const { stopReason } = await connection.agent.request('session/prompt', {
      sessionId: session.sessionId,
      prompt: [{ type: 'text', text: instruction }],
    });
    const turnMs = performance.now() - started;
    killGroup(child);
    await exited;
    return { stopReason, reply, turnMs, wallMs: performance.now() - started };
  } finally {
    killGroup(child);
    connection.close();
    await rm(scratch, { recursive: true, force: true });
  }
}
