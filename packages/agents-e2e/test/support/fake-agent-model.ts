// A loopback fake of the three model providers the real coding agents call: Anthropic Messages
// (Claude Code), OpenAI Responses (Codex) and Gemini streamGenerateContent (Gemini CLI), all
// streamed as SSE. Each reply is decided from the request alone (no counter), so that side calls
// (titles, quota checks) and several agents at once cannot put it out of step: a keyword in the
// user's instruction picks the scenario (see fake-model-script.ts), the tool calls the agent made
// since that instruction pick the step, and the tools offered pick the tool's name and shape.
// Every request is recorded; whatever the fake does not expect (a wrong key or model, an unknown
// path, a tool it cannot find) is answered with an error and listed in `problems`, which every
// test asserts empty.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  defaultScript,
  type FakeScript,
  type ReplyUsage,
  type ScenarioKind,
  scenarioOf,
  stepsOf,
  sumIn,
  workspaceIn,
} from './fake-model-script.ts';
import {
  anthropicWire,
  type FakeWire,
  geminiWire,
  responsesWire,
  type WireName,
  type WireReply,
} from './fake-wires.ts';

/** Options of {@link startFakeAgentModel}. */
export interface FakeAgentModelOptions {
  /** The API key each wire's requests must present: the real key the test gave Goosuke. */
  keys: Partial<Record<WireName, string>>;
  /** The model each wire's requests must name (the profile's, set by the gateway), when given. */
  models?: Partial<Record<WireName, string>>;
  /** Overrides of {@link defaultScript}. */
  script?: Partial<FakeScript>;
  /**
   * Finds the agent's working directory in its request (where the edit is made); default: a
   * Goosuke working copy, `<data dir>/worktrees/<run id>`.
   */
  workspacePattern?: RegExp;
  /** How long every reply waits before it starts: the provider's latency (benchmarks). */
  latencyMs?: number;
}

/** One request the fake received. */
export interface RecordedRequest {
  /** The wire its path belongs to; null for an unknown path. */
  wire: WireName | null;
  method: string;
  /** Without the query. */
  path: string;
  query: string;
  headers: Record<string, string | string[] | undefined>;
  /** The parsed JSON body; null when empty or not JSON. */
  body: Record<string, unknown> | null;
  /** The scenario its prompt asked for; null when it is not a model call. */
  scenario: ScenarioKind | null;
  /** The tool results it carried back since its prompt, as text; empty when not a model call. */
  toolResults: string[];
  /** What was answered: `text`, `tool NAME`, `count`, `error STATUS`, `held`. */
  reply: string;
  /** The usage the reply reported, null when it reported none. */
  usage: ReplyUsage | null;
  /** Whether the client went away before the reply ended. */
  aborted: boolean;
  receivedAt: number;
}

/** A running fake; see {@link startFakeAgentModel}. */
export interface FakeAgentModel {
  /** `http://127.0.0.1:PORT`: Anthropic's and Gemini's base URL; OpenAI's is this plus `/v1`. */
  readonly url: string;
  readonly requests: RecordedRequest[];
  /** What the fake did not expect, one line each; empty when all went as scripted. */
  readonly problems: string[];
  /** The usage all replies reported, summed (the gateway must meter exactly this). */
  servedUsage(): ReplyUsage;
  /** Resolves with the first `[SLOW]` request once it is being held. */
  slowRequest(): Promise<RecordedRequest>;
  /** Resolves once the held `[SLOW]` request was abandoned by its client. */
  slowAborted(): Promise<RecordedRequest>;
  close(): Promise<void>;
}

/** A held `[SLOW]` reply gives up after this long (a test that forgot to cancel fails, not hangs). */
const maxHoldMs = 180_000;
const geminiPath = /^\/(v1|v1beta)\/models\/([^/:]+):(streamGenerateContent|generateContent|countTokens)$/;
const goosukeWorkspace = /\/[^\s"'<>`\\]*\/worktrees\/[A-Za-z0-9_-]+/;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function sendJson(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'content-type': 'application/json' });
  response.end(JSON.stringify(body));
}

async function readJson(request: IncomingMessage): Promise<Record<string, unknown> | null> {
  const parts: Buffer[] = [];
  for await (const part of request) parts.push(part as Buffer);
  try {
    const value: unknown = JSON.parse(Buffer.concat(parts).toString('utf8'));
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : null;
  } catch {
    return null;
  }
}

/** A deferred that resolves once. */
function once<T>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((done) => {
    resolve = done;
  });
  return { promise, resolve };
}

/**
 * Starts the fake on 127.0.0.1 (port 0). Routes: `POST /v1/messages` (and `/count_tokens`),
 * `POST /v1/responses`, `POST /v1beta|v1/models/{model}:streamGenerateContent|generateContent|countTokens`.
 */
export async function startFakeAgentModel(options: FakeAgentModelOptions): Promise<FakeAgentModel> {
  const script: FakeScript = { ...defaultScript, ...options.script };
  const workspacePattern = options.workspacePattern ?? goosukeWorkspace;
  const requests: RecordedRequest[] = [];
  const problems: string[] = [];
  const slow = once<RecordedRequest>();
  const slowAborted = once<RecordedRequest>();
  const open = new Set<ServerResponse>();
  let replies = 0;

  const problem = (record: RecordedRequest, text: string) => {
    problems.push(`${record.method} ${record.path}: ${text}`);
  };

  async function serve(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://fake');
    const body = await readJson(request);
    const record: RecordedRequest = {
      wire: null,
      method: request.method ?? 'GET',
      path: url.pathname,
      query: url.search,
      headers: { ...request.headers },
      body,
      scenario: null,
      toolResults: [],
      reply: '',
      usage: null,
      aborted: false,
      receivedAt: Date.now(),
    };
    requests.push(record);
    response.on('close', () => {
      if (!response.writableFinished) record.aborted = true;
    });

    let wire: FakeWire | null = null;
    let model = typeof body?.model === 'string' ? body.model : '';
    let count = false;
    let stream = body?.stream === true;
    const gemini = geminiPath.exec(url.pathname);
    if (request.method === 'POST' && url.pathname === '/v1/messages') wire = anthropicWire;
    else if (request.method === 'POST' && url.pathname === '/v1/messages/count_tokens') {
      wire = anthropicWire;
      count = true;
    } else if (request.method === 'POST' && url.pathname === '/v1/responses') wire = responsesWire;
    else if (request.method === 'POST' && gemini !== null) {
      wire = geminiWire;
      model = decodeURIComponent(gemini[2]!);
      count = gemini[3] === 'countTokens';
      stream = gemini[3] === 'streamGenerateContent';
    }
    if (wire === null) {
      problem(record, 'unknown route');
      record.reply = 'error 404';
      sendJson(response, 404, { error: { message: `no route ${record.method} ${record.path}` } });
      return;
    }
    record.wire = wire.name;
    const expectedKey = options.keys[wire.name];
    if (expectedKey === undefined || wire.key(record.headers) !== expectedKey) {
      // The gateway replaces the run token with the real key: anything else is a leak or a bypass.
      problem(record, `${wire.name} request without the real key`);
      record.reply = 'error 401';
      sendJson(response, 401, wire.error(401, 'the fake wants the real key'));
      return;
    }
    const expectedModel = options.models?.[wire.name];
    if (expectedModel !== undefined && model !== expectedModel) {
      problem(record, `model ${JSON.stringify(model)}, not the profile's ${JSON.stringify(expectedModel)}`);
    }
    if (body === null) {
      problem(record, 'body is not a JSON object');
      record.reply = 'error 400';
      sendJson(response, 400, wire.error(400, 'not JSON'));
      return;
    }
    if (count) {
      record.reply = 'count';
      sendJson(response, 200, wire.name === 'gemini' ? { totalTokens: 42 } : { input_tokens: 42 });
      return;
    }

    const turn = wire.turn(body);
    const scenario = scenarioOf(turn.prompt);
    record.scenario = scenario;
    record.toolResults = turn.toolResults;
    if (options.latencyMs !== undefined && options.latencyMs > 0) await sleep(options.latencyMs);
    let reply: WireReply;
    if (turn.tools.length === 0) {
      // A side call (a title, a summary, a check): no tools to call, a short answer does.
      reply = { kind: 'text', text: sideAnswer(wire, body) };
    } else if (scenario === 'slow') {
      record.reply = 'held';
      open.add(response);
      slow.resolve(record);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, maxHoldMs);
        response.once('close', () => {
          clearTimeout(timer);
          resolve();
        });
      });
      open.delete(response);
      if (record.aborted) slowAborted.resolve(record);
      else {
        problem(record, `held for ${maxHoldMs} ms and never canceled`);
        sendJson(response, 503, wire.error(503, 'held too long'));
      }
      return;
    } else if (scenario === 'fail') {
      record.reply = 'error 400';
      sendJson(response, 400, wire.error(400, 'The fake model refuses this request (scripted failure).'));
      return;
    } else {
      const workspace = workspaceIn(JSON.stringify(body), workspacePattern);
      if (workspace === null && (scenario === 'edit' || scenario === 'mcp')) {
        problem(record, 'no working directory found in the request');
      }
      // `[MCP]` writes what its tool call gave back, as this request carries it.
      const answer = turn.toolResults.length === 0 ? null : sumIn(turn.toolResults[0]!);
      if (scenario === 'mcp' && turn.step > 0 && answer === null) {
        problem(record, `no sum in the MCP tool's result ${JSON.stringify(turn.toolResults[0] ?? null)}`);
      }
      const steps = stepsOf(scenario, script, workspace ?? '/nowhere', wire.readFirst(turn.tools), answer);
      if (turn.step >= steps.length) problem(record, `step ${turn.step} past the script's ${steps.length}`);
      const step = steps[Math.min(turn.step, steps.length - 1)]!;
      if (step.kind === 'text') reply = step;
      else {
        const call = wire.call(step, turn.tools, body);
        if ('problem' in call) {
          problem(record, call.problem);
          reply = { kind: 'text', text: `the fake could not script this: ${call.problem}` };
        } else {
          reply = {
            kind: 'tool',
            name: call.name,
            input: call.input,
            ...(call.namespace === undefined ? {} : { namespace: call.namespace }),
          };
        }
      }
    }

    replies++;
    const usage: ReplyUsage = { inputTokens: 1_000 + 10 * replies, outputTokens: 40 + replies };
    const id = `fake${replies}`;
    record.usage = usage;
    record.reply = reply.kind === 'text' ? 'text' : `tool ${reply.name}`;
    if (!stream) {
      sendJson(response, 200, wire.json(reply, usage, model, id));
      return;
    }
    response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    for (const chunk of wire.sse(reply, usage, model, id)) response.write(chunk);
    response.end();
  }

  const server = createServer((request, response) => {
    serve(request, response).catch((error: unknown) => {
      problems.push(`${request.method} ${request.url}: the fake threw ${String(error)}`);
      if (!response.headersSent) sendJson(response, 500, { error: { message: 'fake error' } });
      else response.destroy();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    problems,
    servedUsage() {
      const total = { inputTokens: 0, outputTokens: 0 };
      for (const record of requests) {
        total.inputTokens += record.usage?.inputTokens ?? 0;
        total.outputTokens += record.usage?.outputTokens ?? 0;
      }
      return total;
    },
    slowRequest: () => slow.promise,
    slowAborted: () => slowAborted.promise,
    async close() {
      for (const response of open) response.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** The answer to a call without tools: JSON where a schema asks for it, else `ok`. */
function sideAnswer(wire: FakeWire, body: Record<string, unknown>): string {
  const config = body.generationConfig as Record<string, unknown> | undefined;
  if (
    wire.name === 'gemini' &&
    (config?.responseJsonSchema !== undefined || config?.responseSchema !== undefined)
  ) {
    // Gemini CLI's JSON side calls (next-speaker check): the user speaks next, the turn is over.
    return JSON.stringify({ reasoning: 'The model has answered.', next_speaker: 'user' });
  }
  return 'ok';
}
