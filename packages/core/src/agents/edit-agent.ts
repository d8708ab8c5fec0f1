import type { Message, Usage } from '../domain/index.ts';
import {
  type ApplyEditsResult,
  applyEdits,
  defaultForbiddenPaths,
  type FileEdit,
  type HunkFailure,
  type ParsedEdits,
  parseEdits,
} from '../edits/index.ts';
import { InvalidInputError } from '../errors/index.ts';
import type {
  Agent,
  AgentInput,
  AgentOutcome,
  ChatMessage,
  GenerateOptions,
  Generation,
  LanguageModel,
  Workspace,
} from '../ports/index.ts';
import type { ContextCache } from './context/context-cache.ts';
import { gatherContext } from './context/gather-context.ts';
import type { WeightedText } from './context/query-terms.ts';
import type { GatheredContext } from './context/select-context.ts';
import { estimateTokens } from './context/token-estimate.ts';
import { buildContextMessage, buildRetryMessage, buildSystemPrompt, toChatMessages } from './edit-prompts.ts';
import { extractSummary } from './reply-summary.ts';
import { createRepositoryTools } from './repository-tools.ts';
import {
  type AgentTool,
  createToolLoopState,
  generateWithTools,
  readToolLoopLimits,
  type ToolLoopLimits,
} from './tool-loop.ts';

/** Options of {@link createEditAgent}. */
export interface EditAgentOptions {
  model: LanguageModel;
  /** Model calls per run before giving up on edits that do not apply; default 3. */
  maxAttempts?: number;
  /** Globs the agent must never change; default defaultForbiddenPaths. Their content is never sent to the model either. */
  forbiddenPaths?: readonly string[];
  /** Files larger than this are never put in context (listed in the tree only); default 200_000 bytes. */
  maxFileBytes?: number;
  /**
   * Token budget for file contents in the prompt; default derived from capabilities:
   * min(contextWindow - reserved output - 4_000, 60_000), where reserved output =
   * min(maxOutputTokens, 16_000), less the estimated tokens of the earlier conversation.
   */
  contextTokens?: number;
  /** Output tokens asked for per call; default min(capabilities.maxOutputTokens, 16_000). */
  maxOutputTokens?: number;
  /**
   * Shares the reading and ranking of a workspace that has a `revision` with other agents
   * (the runs of one message); see `gatherContext`. Default: none, each run ranks on its own.
   */
  contextCache?: ContextCache;
  /**
   * Tools the model may call before it answers (the run's extensions' MCP tools), when the model
   * supports tool calls (`capabilities.supportsTools`; otherwise the run says it went without).
   * Default none.
   */
  tools?: readonly AgentTool[];
  /**
   * Offer the read-only repository tools (`read_file`, `search_files`) too. Default: when `tools`
   * has any (the model then works in a tool loop anyway).
   */
  repositoryTools?: boolean;
  /** Bounds of the tool loop over the whole run; see `toolLoopDefaults`. */
  toolLimits?: Partial<ToolLoopLimits>;
}

/** The defaults of {@link EditAgentOptions}. */
export const editAgentDefaults = Object.freeze({
  maxAttempts: 3,
  maxFileBytes: 200_000,
  /** Cap of the default `maxOutputTokens` and of the output reserved in the context window. */
  outputTokensCap: 16_000,
  /** Cap of the default `contextTokens`. */
  contextTokensCap: 60_000,
  /** Tokens kept free for the system prompt, the file tree and the instruction. */
  promptReserve: 4_000,
});

/** Weight of earlier messages against the current instruction when ranking files. */
const earlierTurnWeight = 0.5;

/**
 * Goosuke's edit agent on one LanguageModel: shows the model the most relevant files of the
 * workspace (see `gatherContext`), asks for edits in the model's preferred edit format, applies
 * them all or nothing, and on failure sends back precisely what did not match (with the closest
 * region of the file) and asks again, up to `maxAttempts` calls.
 *
 * With `tools` (or `repositoryTools`) and a model that can call tools, each attempt is a bounded
 * tool loop (see `generateWithTools`): the model may read files, search the repository and call
 * the run's extensions' tools before it answers with edits.
 *
 * Events: `run-log` (the context chosen, each reply, each failure, each tool call and its result,
 * the files written) and `run-tokens` after every call (`costUsd: null`: the run service prices
 * them).
 *
 * Outcome: `succeeded` once a reply's edits all apply (written with one `writeFiles`), with the
 * reply's prose as summary and a warning per fuzzily matched hunk; `failed` (a value) when the
 * attempts run out, the workspace is missing, or nothing ever applied, with the workspace
 * untouched. A reply cut off at the output limit is never applied. Aborting (`signal`) and
 * model errors (ProviderError) are thrown, not turned into outcomes.
 *
 * @throws InvalidInputError for invalid options.
 */
export function createEditAgent(options: EditAgentOptions): Agent {
  const settings = readSettings(options);
  const model = options.model;
  return {
    run: (input) => runEditAgent(model, settings, input),
  };
}

interface EditAgentSettings {
  maxAttempts: number;
  forbiddenPaths: readonly string[];
  maxFileBytes: number;
  contextTokens: number | null;
  maxOutputTokens: number | null;
  contextCache: ContextCache | undefined;
  tools: readonly AgentTool[];
  repositoryTools: boolean;
  toolLimits: ToolLoopLimits;
}

function readSettings(options: EditAgentOptions): EditAgentSettings {
  if (typeof options !== 'object' || options === null || typeof options.model?.generate !== 'function') {
    throw new InvalidInputError('createEditAgent needs a model (a LanguageModel)');
  }
  const integer = (name: string, value: number | undefined, min: number): number | null => {
    if (value === undefined) return null;
    if (!Number.isInteger(value) || value < min) {
      throw new InvalidInputError(`${name} must be an integer of at least ${min}`);
    }
    return value;
  };
  const forbiddenPaths = options.forbiddenPaths ?? defaultForbiddenPaths;
  if (!Array.isArray(forbiddenPaths) || forbiddenPaths.some((pattern) => typeof pattern !== 'string')) {
    throw new InvalidInputError('forbiddenPaths must be an array of glob strings');
  }
  return {
    maxAttempts: integer('maxAttempts', options.maxAttempts, 1) ?? editAgentDefaults.maxAttempts,
    forbiddenPaths,
    maxFileBytes: integer('maxFileBytes', options.maxFileBytes, 1) ?? editAgentDefaults.maxFileBytes,
    contextTokens: integer('contextTokens', options.contextTokens, 0),
    maxOutputTokens: integer('maxOutputTokens', options.maxOutputTokens, 1),
    contextCache: options.contextCache,
    tools: options.tools ?? [],
    repositoryTools: options.repositoryTools ?? (options.tools ?? []).length > 0,
    toolLimits: readToolLoopLimits(options.toolLimits),
  };
}

/** The running token totals of one run. */
interface Totals {
  inputTokens: number;
  outputTokens: number;
  cachedInputTokens: number;
}

/** What one reply led to when it could not be applied. */
interface AttemptFailure {
  cutOff: boolean;
  noEdits: boolean;
  parsed: ParsedEdits;
  failures: HunkFailure[];
}

async function runEditAgent(
  model: LanguageModel,
  settings: EditAgentSettings,
  input: AgentInput,
): Promise<AgentOutcome> {
  const { signal } = input;
  signal?.throwIfAborted();
  const workspace = input.workspace;
  if (workspace === undefined) {
    return {
      status: 'failed',
      reason: 'the edit agent needs a working copy, and this task has no repository',
      summary: null,
      usage: null,
      warnings: [],
    };
  }
  const capabilities = model.capabilities;
  const format = capabilities.preferredEditFormat;
  const maxOutputTokens =
    settings.maxOutputTokens ?? Math.min(capabilities.maxOutputTokens, editAgentDefaults.outputTokensCap);
  const history = input.history;
  const earlier = history.at(-1)?.role === 'user' ? history.slice(0, -1) : history;
  const contextTokens = settings.contextTokens ?? defaultContextTokens(model, maxOutputTokens, earlier);

  const context = await gatherContext({
    workspace,
    texts: conversationTexts(input.instruction, earlier),
    contextTokens,
    maxFileBytes: settings.maxFileBytes,
    forbiddenPaths: settings.forbiddenPaths,
    ...(signal === undefined ? {} : { signal }),
    ...(settings.contextCache === undefined ? {} : { cache: settings.contextCache }),
  });
  const shownTokens = context.files.reduce((sum, file) => sum + estimateTokens(file.content), 0);
  const { omitted, skipped } = context.report;
  const listed = omitted + skipped.binary + skipped.tooLarge + skipped.forbidden;
  await input.emit({
    type: 'run-log',
    level: 'info',
    message: `context: ${context.files.length} ${context.files.length === 1 ? 'file' : 'files'} in full (about ${shownTokens} of ${contextTokens} tokens), ${listed} more listed by name`,
    data: { ...context.report, contextTokens, format },
  });

  const system = buildSystemPrompt({ format, forbiddenPaths: settings.forbiddenPaths });
  const messages: ChatMessage[] = toChatMessages(
    history,
    contextMessageOf(context, input.instruction, earlier.length > 0),
  );
  const totals: Totals = { inputTokens: 0, outputTokens: 0, cachedInputTokens: 0 };
  const promptLength = messages.length;
  let lastFailure: AttemptFailure | null = null;
  let lastReply = '';
  const tools = await toolsOf(settings, model, workspace, input);
  const toolState = createToolLoopState();
  let calls = 0;

  for (let attempt = 1; attempt <= settings.maxAttempts; attempt++) {
    signal?.throwIfAborted();
    const request: GenerateOptions = { system, messages: [...messages], maxOutputTokens };
    if (capabilities.supportsTemperature) request.temperature = 0;
    if (signal !== undefined) request.signal = signal;
    const { generation, messages: sent } = await generateWithTools({
      model,
      request,
      tools,
      limits: settings.toolLimits,
      state: toolState,
      onGeneration: (reply) => recordUsage(input, totals, reply, ++calls),
      emit: (event) => input.emit({ type: 'run-log', ...event }),
    });
    lastReply = generation.text;

    const parsed = parseEdits(generation.text);
    const cutOff = generation.finishReason === 'length';
    await input.emit({
      type: 'run-log',
      level: 'info',
      message: `attempt ${attempt}/${settings.maxAttempts}: ${describeReply(parsed, generation)}`,
      data: {
        attempt,
        finishReason: generation.finishReason,
        edits: parsed.edits.length,
        formats: parsed.formats,
        problems: parsed.problems.map((problem) => ({ line: problem.line, message: problem.message })),
      },
    });

    let failures: HunkFailure[] = [];
    if (parsed.edits.length > 0) {
      const result = await tryApply(workspace, parsed.edits, settings.forbiddenPaths);
      if (result.ok && parsed.problems.length === 0 && !cutOff) {
        signal?.throwIfAborted();
        const written = await tryWrite(workspace, result);
        if (written === null) {
          return await succeed(input, result, parsed.edits, generation.text, totals);
        }
        failures = [written];
      } else if (!result.ok) failures = result.failures;
    }

    lastFailure = { cutOff, noEdits: parsed.edits.length === 0, parsed, failures };
    const giveUp = attempt === settings.maxAttempts;
    await input.emit({
      type: 'run-log',
      level: 'warn',
      message: `attempt ${attempt}/${settings.maxAttempts} failed: ${firstProblem(lastFailure, maxOutputTokens)}${giveUp ? '' : '; asking the model again'}`,
      data: {
        attempt,
        failures: failures.map((failure) => ({
          path: failure.path,
          hunk: failure.hunkIndex === null ? null : failure.hunkIndex + 1,
          reason: failure.reason,
          message: failure.message,
        })),
      },
    });
    if (giveUp) break;
    // Only the latest failed reply and its report go back: every edit is resent in full on each
    // attempt, so older attempts add tokens (and could overflow a small context) without helping.
    // With tools, what the model read stays (tool results must stay beside their calls), older
    // replies with it.
    messages.length = tools.length === 0 ? promptLength : 0;
    if (tools.length > 0) messages.push(...sent);
    messages.push({
      role: 'assistant',
      content: generation.text.trim() === '' ? '(empty reply)' : generation.text,
    });
    messages.push({
      role: 'user',
      content: buildRetryMessage({
        format,
        cutOff,
        maxOutputTokens,
        noEdits: parsed.edits.length === 0,
        problems: parsed.problems,
        failures,
      }),
    });
  }

  const summary = extractSummary(lastReply);
  return {
    status: 'failed',
    reason: failureReason(lastFailure!, settings.maxAttempts, maxOutputTokens),
    summary: summary === '' ? null : summary,
    usage: toUsage(totals),
    warnings: [],
  };
}

/** The tools the run offers: none when the model cannot call tools (said in an event). */
async function toolsOf(
  settings: EditAgentSettings,
  model: LanguageModel,
  workspace: Workspace,
  input: AgentInput,
): Promise<readonly AgentTool[]> {
  const tools = [
    ...(settings.repositoryTools
      ? createRepositoryTools({ workspace, forbiddenPaths: settings.forbiddenPaths })
      : []),
    ...settings.tools,
  ];
  if (tools.length === 0 || model.capabilities.supportsTools) return tools;
  if (settings.tools.length === 0) return [];
  await input.emit({
    type: 'run-log',
    level: 'warn',
    message: `${model.modelId} cannot call tools: the run goes without its ${settings.tools.length} extension tools`,
    data: { kind: 'tools_unsupported', tools: settings.tools.map((tool) => tool.spec.name) },
  });
  return [];
}

/**
 * Context messages by context: runs that share a context (see `gatherContext`'s cache) share
 * the message too, one string of up to the whole budget instead of one per run.
 */
const contextMessages = new WeakMap<GatheredContext, Map<string, string>>();

function contextMessageOf(context: GatheredContext, instruction: string, hasEarlierTurns: boolean): string {
  let messages = contextMessages.get(context);
  if (messages === undefined) {
    messages = new Map();
    contextMessages.set(context, messages);
  }
  const key = `${hasEarlierTurns ? 1 : 0}${instruction}`;
  let message = messages.get(key);
  if (message === undefined) {
    message = buildContextMessage({ context, instruction, hasEarlierTurns });
    messages.set(key, message);
  }
  return message;
}

function defaultContextTokens(
  model: LanguageModel,
  maxOutputTokens: number,
  earlier: readonly Message[],
): number {
  const { contextWindow } = model.capabilities;
  const reservedOutput = Math.min(maxOutputTokens, editAgentDefaults.outputTokensCap);
  const budget = Math.min(
    contextWindow - reservedOutput - editAgentDefaults.promptReserve,
    editAgentDefaults.contextTokensCap,
  );
  // Earlier turns are sent too and share the window with the files.
  const conversation = earlier.reduce((sum, message) => sum + estimateTokens(message.content), 0);
  return Math.max(0, budget - conversation);
}

function conversationTexts(instruction: string, earlier: readonly Message[]): WeightedText[] {
  return [
    { text: instruction, weight: 1 },
    ...earlier.map((message) => ({ text: message.content, weight: earlierTurnWeight })),
  ];
}

async function recordUsage(input: AgentInput, totals: Totals, generation: Generation, callNumber: number) {
  const call = {
    inputTokens: generation.usage.inputTokens,
    outputTokens: generation.usage.outputTokens,
    cachedInputTokens: generation.usage.cachedInputTokens,
  };
  totals.inputTokens += call.inputTokens;
  totals.outputTokens += call.outputTokens;
  totals.cachedInputTokens += call.cachedInputTokens;
  await input.emit({
    type: 'run-tokens',
    level: 'info',
    message: `model call ${callNumber}: ${call.inputTokens} input tokens (${call.cachedInputTokens} cached), ${call.outputTokens} output tokens`,
    data: { call, total: { ...totals, costUsd: null } },
  });
}

function describeReply(parsed: ParsedEdits, generation: Generation): string {
  const parts = [
    parsed.edits.length === 0
      ? 'the reply holds no edits'
      : `the reply holds ${parsed.edits.length} ${parsed.edits.length === 1 ? 'edit' : 'edits'} (${parsed.formats.join(', ')})`,
  ];
  if (parsed.problems.length > 0) parts.push(`${parsed.problems.length} unreadable`);
  if (generation.finishReason !== 'stop') parts.push(`finish reason ${generation.finishReason}`);
  return parts.join(', ');
}

/**
 * Applies in memory. A Workspace may refuse a path that the edit checks let through (one that
 * leaves the root through a symbolic link, or a `.git` path when the caller's forbidden list
 * lacks it): that is the model's mistake to correct, so it becomes a failure like any other.
 */
async function tryApply(
  workspace: Workspace,
  edits: readonly FileEdit[],
  forbiddenPaths: readonly string[],
): Promise<ApplyEditsResult> {
  try {
    return await applyEdits({ edits, readFile: (path) => workspace.readFile(path), forbiddenPaths });
  } catch (error) {
    if (!(error instanceof InvalidInputError)) throw error;
    return { ok: false, failures: [refusal(error)], files: [] };
  }
}

/** Writes all changes; returns null when written, or the workspace's refusal (nothing was written). */
async function tryWrite(
  workspace: Workspace,
  result: ApplyEditsResult & { ok: true },
): Promise<HunkFailure | null> {
  if (result.changes.length === 0) return null;
  try {
    await workspace.writeFiles(result.changes);
    return null;
  } catch (error) {
    if (!(error instanceof InvalidInputError)) throw error;
    return refusal(error);
  }
}

function refusal(error: InvalidInputError): HunkFailure {
  return {
    path: '',
    editIndex: null,
    hunkIndex: null,
    reason: 'path-escape',
    message: `the workspace refused the change: ${error.message}`,
    expected: [],
    closest: null,
  };
}

async function succeed(
  input: AgentInput,
  result: ApplyEditsResult & { ok: true },
  edits: readonly FileEdit[],
  reply: string,
  totals: Totals,
): Promise<AgentOutcome> {
  const warnings: string[] = [];
  for (const file of result.files) {
    const unit = edits[file.editIndex]?.kind === 'search-replace' ? 'block' : 'hunk';
    for (const hunk of file.hunks) {
      if (hunk.tier === 'fuzzy') warnings.push(`${file.path}: ${unit} ${hunk.index + 1} matched fuzzily`);
    }
  }
  const changed = result.changes.length;
  if (changed === 0) warnings.push('no changes were needed');
  await input.emit({
    type: 'run-log',
    level: warnings.length > 0 ? 'warn' : 'info',
    message:
      changed === 0
        ? 'the edits were already in place: no changes were needed'
        : `applied the edits: ${changed} ${changed === 1 ? 'file' : 'files'} written`,
    data: {
      files: result.files.map((file) => ({
        path: file.path,
        operation: file.operation,
        tiers: file.hunks.map((hunk) => hunk.tier),
      })),
      warnings,
    },
  });
  const summary = extractSummary(reply);
  return {
    status: 'succeeded',
    summary:
      summary !== ''
        ? summary
        : changed === 0
          ? 'No changes were needed'
          : `Edited ${changed} ${changed === 1 ? 'file' : 'files'}`,
    usage: toUsage(totals),
    warnings,
  };
}

function toUsage(totals: Totals): Usage {
  return { ...totals, costUsd: null };
}

function describeFailure(failure: HunkFailure): string {
  const where =
    failure.path === ''
      ? ''
      : `${failure.path}${failure.hunkIndex === null ? '' : `, hunk ${failure.hunkIndex + 1}`}: `;
  return `${where}${failure.message}`;
}

function firstProblem(attempt: AttemptFailure, maxOutputTokens: number): string {
  if (attempt.cutOff) return `the reply was cut off at the output limit (${maxOutputTokens} tokens)`;
  const failure = attempt.failures[0];
  if (failure !== undefined) return describeFailure(failure);
  const problem = attempt.parsed.problems[0];
  if (problem !== undefined) {
    return `line ${problem.line} of the reply${problem.path ? ` (${problem.path})` : ''}: ${problem.message}`;
  }
  return "the model's reply contained no edits";
}

function failureReason(attempt: AttemptFailure, attempts: number, maxOutputTokens: number): string {
  const tries = attempts === 1 ? '1 attempt' : `${attempts} attempts`;
  if (attempt.cutOff) {
    return `the model's reply was cut off at the output limit (${maxOutputTokens} tokens) after ${tries}`;
  }
  if (attempt.noEdits && attempt.parsed.problems.length === 0) {
    return attempts === 1
      ? "the model's reply contained no edits"
      : `the model's reply contained no edits after ${tries}`;
  }
  return `the edits did not apply after ${tries}: ${firstProblem(attempt, maxOutputTokens)}`;
}
