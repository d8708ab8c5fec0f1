// The baseline of agent-run.bench.ts, as a process of its own: the chat agent of the CLI tests
// (packages/cli/test/fixtures/chat-agent.mjs) driven over ACP directly, on a plain checkout
// (argv[2]), its model at the fake (OPENAI_BASE_URL and OPENAI_API_KEY as given), with no
// Goosuke: no store, no working copy, no gateway, no sandbox, no diff or commit. Prints the
// agent's reply; exits 1 when the turn did not end normally.
//
//   node bench/agent-direct.ts CHECKOUT "instruction"
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import * as acp from '@agentclientprotocol/sdk';

const [checkout, instruction] = process.argv.slice(2);
const agentScript = join(
  dirname(fileURLToPath(import.meta.url)),
  '..',
  'packages',
  'cli',
  'test',
  'fixtures',
  'chat-agent.mjs',
);
const child = spawn(process.execPath, [agentScript], {
  cwd: checkout,
  env: {
    PATH: process.env.PATH ?? '',
    OPENAI_BASE_URL: process.env.OPENAI_BASE_URL ?? '',
    OPENAI_API_KEY: process.env.OPENAI_API_KEY ?? '',
  },
  stdio: ['pipe', 'pipe', 'inherit'],
});
let reply = '';
const connection = acp
  .client({ name: 'agent-direct' })
  .onNotification('session/update', ({ params }) => {
    const update = params.update;
    if (update.sessionUpdate === 'agent_message_chunk' && update.content.type === 'text')
      reply += update.content.text;
  })
  .connect(acp.ndJsonStream(Writable.toWeb(child.stdin), Readable.toWeb(child.stdout)));
await connection.agent.request('initialize', { protocolVersion: 1, clientCapabilities: {} });
const { sessionId } = await connection.agent.request('session/new', { cwd: checkout!, mcpServers: [] });
const { stopReason } = await connection.agent.request('session/prompt', {
  sessionId,
  prompt: [{ type: 'text', text: instruction! }],
});
child.kill('SIGKILL');
console.log(reply);
process.exitCode = stopReason === 'end_turn' ? 0 : 1;
