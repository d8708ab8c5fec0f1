import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import {
  executorLabel,
  GoosukeError,
  InvalidInputError,
  type ModelProfile,
  pickMatches,
  type Run,
  type RunComparison,
  type RunPipelineEvent,
  type RunPipelineResult,
} from '@goosuke/core';
import { type CliIo, readAllText } from '../cli-io.ts';
import { readCliConfiguration } from '../configuration.ts';
import { createDefaultGoosuke, type DefaultGoosuke } from '../default-goosuke.ts';
import { exitCodes, exitCodeTable } from '../exit-codes.ts';
import { createLanguageModelResolver } from '../language-models.ts';
import { createCliLogger } from '../pino-logger.ts';
import { plural } from '../plural.ts';
import { defineCommand } from './command.ts';
import { listAllModelProfiles } from './model-profile-output.ts';
import { codeHostConfigurationError, pullRequestLine, rethrowPullRequestError } from './pr-support.ts';
import { type AgentFlag, parseAgentFlag, planAgentRuns, realizeAgentRuns } from './run-agents.ts';
import { patchFileNames, planModelSpec, realizeModelSpec } from './run-models.ts';
import { createRunProgress } from './run-progress.ts';
import { renderComparison, renderResultLocations } from './run-report.ts';

const helpHint = 'see goosuke run --help';

/** The repository as the pipeline takes it: a local directory's absolute path, or the URL as given. */
function repoLocation(value: string, cwd: string): string {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(value) || /^[^/@\s]+@[^:\s]+:/.test(value)) return value;
  const absolute = path.resolve(cwd, value);
  if (!existsSync(absolute)) throw new InvalidInputError(`--repo ${value}: no such directory; ${helpHint}`);
  return absolute;
}

/**
 * `goosuke run --repo PATH|URL --model SPEC... -m TEXT [--base REF] [--out DIR] [--json]`: runs one
 * instruction on several models in parallel, in this process (the SQLite store and the job queue
 * in GOOSUKE_DATA_DIR, no server), shows live progress, then compares the runs.
 */
export const runCommand = defineCommand({
  name: 'run',
  summary: 'Run one instruction on several models in parallel and compare the patches.',
  description: [
    'Runs the instruction on every --model at once, each in its own working copy of the',
    'repository, and prints a line per model that follows its progress, then a comparison:',
    'status, files changed, lines added and removed, time, tokens and cost. Each successful run',
    'is a commit on the branch goosuke/run-<id> of the clone in GOOSUKE_DATA_DIR.',
    '',
    '--model takes a stored profile (its name or id; see goosuke models list) or provider:model,',
    'e.g. openai:gpt-4.1, anthropic:claude-sonnet-4-5, google:gemini-2.5-pro, whose key comes from',
    'OPENAI_API_KEY, ANTHROPIC_API_KEY, GEMINI_API_KEY (else GOOGLE_API_KEY); OPENAI_BASE_URL,',
    'ANTHROPIC_BASE_URL and GOOGLE_GEMINI_BASE_URL point at other servers (an OpenAI-compatible',
    'one such as Ollama or vLLM: openai:MODEL with OPENAI_BASE_URL).',
    '',
    'Configuration comes from the environment and .env: GOOSUKE_SECRET_KEY (required),',
    'GOOSUKE_DATA_DIR (default .goosuke), GOOSUKE_DATABASE_URL (sqlite:PATH).',
    '',
    '--pr (for CI pipelines) then opens a pull request from one run: --pick MODEL names it, else',
    'among the runs that succeeded with changes the one with the fewest model calls (edit',
    'retries), then the smallest diff, then the first to finish. --repo must be the GitHub URL,',
    'and GitHub configured: GITHUB_TOKEN, or GOOSUKE_GITHUB_APP_ID, GOOSUKE_GITHUB_APP_PRIVATE_KEY',
    'and GOOSUKE_GITHUB_APP_INSTALLATION_ID (GOOSUKE_GITHUB_API_URL for GitHub Enterprise Server).',
    '--branch NAME pushes to a stable branch: when an open pull request already has that branch,',
    'the runs start from it and the new commit is added to that pull request instead.',
  ].join('\n'),
  arguments: [],
  options: {
    repo: {
      type: 'string',
      valueName: 'PATH|URL',
      description: 'The repository: a local directory (e.g. . in a CI checkout) or a clone URL.',
    },
    base: {
      type: 'string',
      valueName: 'REF',
      description: "The branch, tag or commit to start from (default: the local repository's HEAD, or main).",
    },
    model: {
      type: 'string',
      short: 'M',
      multiple: true,
      valueName: 'SPEC',
      description: 'A model to run: a stored profile or provider:model. Repeat for each model.',
    },
    agent: {
      type: 'string',
      multiple: true,
      valueName: 'NAME[=MODEL]',
      description:
        'A coding agent to run (claude-code, codex, gemini, goose or a custom one), on MODEL or its default. Repeat for each.',
    },
    extension: {
      type: 'string',
      multiple: true,
      valueName: 'NAME',
      description:
        'An MCP extension (goosuke extensions list) every run gets, besides those always on. Repeat for each.',
    },
    'max-cost': {
      type: 'string',
      valueName: 'USD',
      description:
        "Each run's spending limit in US dollars; a run that reaches it fails with budget exceeded.",
    },
    'max-tokens': {
      type: 'string',
      valueName: 'N',
      description: "Each run's limit of input plus output tokens.",
    },
    'allow-shell': {
      type: 'boolean',
      description:
        'Grant agents the shell commands they ask permission for (in their sandbox); default: refused.',
    },
    'unsafe-no-sandbox': {
      type: 'boolean',
      description:
        'Run agents unconfined when bubblewrap cannot run here (they get your user, files and network).',
    },
    message: {
      type: 'string',
      short: 'm',
      valueName: 'TEXT',
      description: 'The instruction; - reads it from stdin.',
    },
    out: {
      type: 'string',
      valueName: 'DIR',
      description: "Write each run's patch to DIR as <provider>-<model>.patch.",
    },
    json: {
      type: 'boolean',
      description:
        'Print one JSON document (task, runs with status, stats, agent activity and patch path) instead of the table.',
    },
    concurrency: {
      type: 'string',
      valueName: 'N',
      description: 'Runs executing at once (default: all of them).',
    },
    pr: {
      type: 'boolean',
      description: 'Open a pull request from the best run (or update the one on --branch).',
    },
    branch: {
      type: 'string',
      valueName: 'NAME',
      description:
        "With --pr: the pull request's branch; an open pull request on it is updated instead of opening another.",
    },
    pick: {
      type: 'string',
      valueName: 'MODEL',
      description:
        "Pick the run of MODEL (provider:model, the model name or the profile name): it becomes the task's chosen run, and with --pr the pull request's.",
    },
  },
  exitCodes: [
    [
      exitCodes.success,
      'At least one run succeeded (with --pr: and the pull request was opened or updated).',
    ],
    [exitCodes.failure, 'No run succeeded (with --pr: none succeeded with changes, so no pull request).'],
    [exitCodes.usage, 'Usage error (a flag missing or wrong, an unknown model or repository).'],
    [
      exitCodes.configuration,
      'Configuration error (GOOSUKE_SECRET_KEY, a provider key not set; with --pr: GitHub not configured).',
    ],
    [exitCodeTable.storage.exitCode, 'Reading or writing the database or files failed.'],
    [exitCodeTable.canceled.exitCode, 'Interrupted (Ctrl-C): the runs were canceled.'],
  ],

  async run({ io, options, positionals }) {
    if (positionals.length > 0) {
      throw new InvalidInputError(`run takes no arguments; give the instruction with -m; ${helpHint}`);
    }
    if (options.repo === undefined) throw new InvalidInputError(`run needs --repo PATH|URL; ${helpHint}`);
    const specs = options.model ?? [];
    const agents = (options.agent ?? []).map(parseAgentFlag);
    if (specs.length + agents.length === 0) {
      throw new InvalidInputError(`run needs at least one --model or --agent; ${helpHint}`);
    }
    const maxCostUsd = readLimit(options['max-cost'], '--max-cost', false);
    const maxTokens = readLimit(options['max-tokens'], '--max-tokens', true);
    if (options.message === undefined) throw new InvalidInputError(`run needs -m "instruction"; ${helpHint}`);
    let concurrency: number | undefined;
    if (options.concurrency !== undefined) {
      concurrency = Number(options.concurrency);
      if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 64) {
        throw new InvalidInputError(`--concurrency must be a whole number from 1 to 64; ${helpHint}`);
      }
    }
    if (options.pr !== true && options.branch !== undefined) {
      throw new InvalidInputError(`--branch goes with --pr; ${helpHint}`);
    }
    if (options.branch !== undefined && !/^(?!-)[A-Za-z0-9._/-]{1,200}$/.test(options.branch)) {
      throw new InvalidInputError(
        `--branch ${options.branch}: use letters, digits, ".", "_", "-" and "/" only; ${helpHint}`,
      );
    }
    const instruction =
      options.message === '-' ? (await readAllText(io.stdin)).trim() : options.message.trim();
    if (instruction === '') throw new InvalidInputError(`the instruction is empty; ${helpHint}`);
    const repo = repoLocation(options.repo, io.cwd);

    const configuration = await readCliConfiguration(io);
    if (options['unsafe-no-sandbox'] === true) configuration.config.unsafeNoSandbox = true;
    // Warnings and errors only: the providers' SDK notices are debug lines (GOOSUKE_LOG_LEVEL=debug).
    const logger = createCliLogger(io, configuration.env, 'warn');
    const goosuke = await createDefaultGoosuke(configuration.config, { env: configuration.env, logger });
    const interrupt = new AbortController();
    const onSigint = (): void => interrupt.abort(new GoosukeError('canceled', 'interrupted'));
    process.once('SIGINT', onSigint);
    try {
      return await execute(goosuke, {
        io,
        env: configuration.env,
        repo,
        base: options.base,
        specs,
        agents,
        maxCostUsd,
        maxTokens,
        allowShell: options['allow-shell'] === true,
        extensions: options.extension ?? [],
        instruction,
        out: options.out === undefined ? undefined : path.resolve(io.cwd, options.out),
        json: options.json === true,
        concurrency,
        signal: interrupt.signal,
        pick: options.pick,
        pr:
          options.pr === true ? (options.branch === undefined ? {} : { branch: options.branch }) : undefined,
      });
    } finally {
      process.off('SIGINT', onSigint);
      await goosuke.close();
    }
  },
});

interface RunPlan {
  io: CliIo;
  env: Readonly<Record<string, string>>;
  /** The repository URL, or the absolute path of a local checkout. */
  repo: string;
  base: string | undefined;
  specs: string[];
  agents: AgentFlag[];
  maxCostUsd: number | undefined;
  maxTokens: number | undefined;
  allowShell: boolean;
  /** --extension: extensions by name or id. */
  extensions: string[];
  instruction: string;
  out: string | undefined;
  json: boolean;
  concurrency: number | undefined;
  signal: AbortSignal;
  /** --pick: the model whose run is picked (and becomes the task's chosen run). */
  pick: string | undefined;
  /** With --pr: open (or update) a pull request from the picked run. */
  pr: { branch?: string } | undefined;
}

/** A ref for people: a commit id shortened, a branch name as it is. */
function refLabel(ref: string): string {
  return /^[0-9a-f]{40}$/.test(ref) ? ref.slice(0, 12) : ref;
}

/**
 * The model profiles to run, one per --model, each named once and at most Goosuke's models per
 * message (GOOSUKE_MAX_MODELS_PER_MESSAGE). Every key is checked before anything is stored, and
 * --pick must name one of them.
 */
async function chooseRuns(goosuke: DefaultGoosuke, plan: RunPlan): Promise<ChosenRuns> {
  const { maxModelsPerMessage } = goosuke.limits;
  if (plan.specs.length + plan.agents.length > maxModelsPerMessage) {
    throw new InvalidInputError(
      `at most ${maxModelsPerMessage} --model and --agent per run (GOOSUKE_MAX_MODELS_PER_MESSAGE, at most 16); ${plan.specs.length + plan.agents.length} were given`,
    );
  }
  const known = await listAllModelProfiles(goosuke.models);
  const resolver = createLanguageModelResolver({ env: plan.env });
  const plans = plan.specs.map((spec) => planModelSpec(spec, plan.env, known));
  const keys = new Set<string>();
  for (const [index, spec] of plans.entries()) {
    const key = spec.kind === 'stored' ? spec.profile.id : spec.input.displayName;
    if (keys.has(key)) {
      throw new InvalidInputError(
        `--model ${plan.specs[index]} is given twice; name each model once; ${helpHint}`,
      );
    }
    keys.add(key);
  }
  const named = plans.map((spec) => (spec.kind === 'stored' ? spec.profile : spec.preview));
  for (const [index, spec] of plans.entries()) {
    await resolver(
      named[index]!,
      spec.kind === 'stored' ? await goosuke.models.revealApiKey(spec.profile.id) : null,
    );
  }
  const agentPlans = await planAgentRuns(goosuke, plan.agents, plan.env, known);
  const candidates = [
    ...named.map((profile) => ({ label: profile.displayName, profile, agent: null as string | null })),
    ...agentPlans.map((agentPlan) => {
      const profile = agentPlan.model.kind === 'stored' ? agentPlan.model.profile : agentPlan.model.preview;
      const label = executorLabel({ kind: 'agent', agent: agentPlan.agent, modelProfileId: null }, profile);
      return { label, profile, agent: agentPlan.agent };
    }),
  ];
  const wanted = plan.pick;
  if (
    wanted !== undefined &&
    !candidates.some((candidate) => pickMatches(candidate.label, candidate.profile, wanted, candidate.agent))
  ) {
    throw new InvalidInputError(
      `--pick ${wanted} names none of the runs (${candidates.map((candidate) => candidate.label).join(', ')}); ${helpHint}`,
    );
  }
  const realized = new Map<string, ModelProfile>();
  const profiles: ModelProfile[] = [];
  for (const spec of plans) {
    const profile = await realizeModelSpec(goosuke.models, spec);
    // Keyed as realizeAgentRuns looks: an agent on a `provider:model` just stored shares it.
    realized.set(spec.kind === 'stored' ? profile.id : spec.input.displayName, profile);
    profiles.push(profile);
  }
  const agentRuns = await realizeAgentRuns(goosuke, agentPlans, realized);
  return { profiles, agentRuns };
}

/** The runs of one `goosuke run`, in the order the pipeline makes them: the models, then the agents. */
interface ChosenRuns {
  profiles: ModelProfile[];
  agentRuns: Array<{ agent: string; profile: ModelProfile }>;
}

/** Each run's label (as the pipeline labels it) and the name of its patch file. */
function runNames(chosen: ChosenRuns): { labels: string[]; patchNames: string[] } {
  const labels = [
    ...chosen.profiles.map((profile) => profile.displayName),
    ...chosen.agentRuns.map((run) =>
      executorLabel({ kind: 'agent', agent: run.agent, modelProfileId: run.profile.id }, run.profile),
    ),
  ];
  const patchNames = patchFileNames([
    ...chosen.profiles,
    ...chosen.agentRuns.map((run) => ({
      provider: `${run.agent}-${run.profile.provider}`,
      modelName: run.profile.modelName,
    })),
  ]);
  return { labels, patchNames };
}

/** `--max-cost`/`--max-tokens`: a positive number (tokens: a whole one), or undefined when not given. */
function readLimit(value: string | undefined, flag: string, whole: boolean): number | undefined {
  if (value === undefined) return undefined;
  const number = Number(value);
  if (
    value.trim() === '' ||
    !Number.isFinite(number) ||
    number <= 0 ||
    (whole && !Number.isInteger(number))
  ) {
    throw new InvalidInputError(
      `${flag} must be a positive ${whole ? 'whole number' : 'number'}; ${helpHint}`,
    );
  }
  return number;
}

async function execute(goosuke: DefaultGoosuke, plan: RunPlan): Promise<number> {
  const { io } = plan;
  // Models first: a missing key must stop us before anything is cloned or stored.
  const chosen = await chooseRuns(goosuke, plan);
  const { labels, patchNames } = runNames(chosen);
  const say = (line: string): void => {
    // With --json stdout holds only the document; people and CI logs read stderr.
    (plan.json ? io.stderr : io.stdout).write(line);
  };
  let progress: ReturnType<typeof createRunProgress> | null = null;
  let patchPaths: Array<string | null> = [];
  let proposing = false;
  const onEvent = async (event: RunPipelineEvent): Promise<void> => {
    switch (event.type) {
      case 'checkout-origin':
        io.stderr.write(`Using the checkout's origin, ${event.url}, for the pull request\n`);
        return;
      case 'cloning':
        // The first clone of a large repository takes a while: say what is happening.
        io.stderr.write(`Updating Goosuke's clone of ${event.repo.name}…\n`);
        return;
      case 'pull-request-adopted':
        io.stderr.write(
          `Found open pull request #${event.pullRequest.number} on ${event.pullRequest.head}: the runs start from it\n`,
        );
        return;
      case 'runs-started': {
        const sink = io.stderr;
        progress = createRunProgress({
          sink,
          interactive: plan.json ? false : (sink as { isTTY?: boolean }).isTTY === true,
          columns: (sink as { columns?: number }).columns,
          runs: event.runs.map((run, index) => ({ run, label: event.labels[index]! })),
        });
        if (!plan.json) {
          io.stderr.write(
            `Running ${runCount(chosen)} on ${event.repo.name} at ${refLabel(event.base.ref)}\n`,
          );
        }
        progress.start();
        return;
      }
      case 'run':
        progress?.onEvent(event.event);
        return;
      case 'canceling':
        io.stderr.write('Interrupted: canceling the runs…\n');
        return;
      case 'runs-ended':
        patchPaths = await writePatches(plan.out, event.runs, patchNames);
        if (!plan.json) {
          io.stdout.write(renderComparison(event.comparison, labels, patchPaths));
          // Without --out the patches are only in Goosuke's data: say where, and how to get them.
          if (plan.out === undefined) io.stdout.write(renderResultLocations(event.runs, labels));
        }
        return;
      case 'picked':
        if (plan.pr === undefined) {
          // Without --pr only an asked-for pick is news: it is now the task's chosen run.
          if (plan.pick !== undefined && event.pick !== null) {
            say(`picked ${event.pick.label}: ${event.pick.reason}; follow-ups of the task build on it\n`);
          }
          return;
        }
        proposing = true;
        say(
          event.pick === null
            ? `No pull request opened: ${event.noPickReason}.\n`
            : `picked ${event.pick.label}: ${event.pick.reason}\n`,
        );
        return;
      case 'pull-request':
        say(pullRequestLine(event.action, event.pullRequest));
        return;
    }
  };

  let result: RunPipelineResult;
  try {
    result = await goosuke.pipeline.run(
      {
        repo: plan.repo,
        instruction: plan.instruction,
        models: chosen.profiles.map((profile) => profile.id),
        agents: chosen.agentRuns.map((run) => ({ agent: run.agent, model: run.profile.id })),
        ...(plan.maxCostUsd === undefined ? {} : { maxCostUsd: plan.maxCostUsd }),
        ...(plan.maxTokens === undefined ? {} : { maxTokens: plan.maxTokens }),
        ...(plan.allowShell ? { allowShell: true } : {}),
        extensions: plan.extensions,
        ...(plan.base === undefined ? {} : { base: plan.base }),
        ...(plan.pick === undefined ? {} : { pick: plan.pick }),
        ...(plan.pr === undefined
          ? {}
          : { pullRequest: plan.pr.branch === undefined ? true : { branch: plan.pr.branch } }),
      },
      {
        signal: plan.signal,
        workers: plan.concurrency === undefined ? true : { concurrency: plan.concurrency },
        onEvent,
      },
    );
  } catch (error) {
    if (proposing) rethrowPullRequestError(error);
    throw codeHostConfigurationError(error);
  }
  if (result.outcome === 'canceled') return exitCodeTable.canceled.exitCode;
  if (plan.json)
    io.stdout.write(
      `${JSON.stringify(jsonDocument(result, patchPaths, plan.pr !== undefined, plan.pick !== undefined), null, 2)}\n`,
    );
  if (plan.pr !== undefined) return result.pick === null ? exitCodes.failure : exitCodes.success;
  return result.runs.some((run) => run.status === 'succeeded') ? exitCodes.success : exitCodes.failure;
}

/** `3 models`, `2 agents`, `1 model and 2 agents`. */
function runCount(chosen: ChosenRuns): string {
  const parts = [
    chosen.profiles.length > 0 ? plural(chosen.profiles.length, 'model') : null,
    chosen.agentRuns.length > 0 ? plural(chosen.agentRuns.length, 'agent') : null,
  ].filter((part) => part !== null);
  return parts.join(' and ');
}

async function writePatches(
  out: string | undefined,
  runs: Run[],
  names: readonly string[],
): Promise<Array<string | null>> {
  if (out === undefined) return runs.map(() => null);
  await mkdir(out, { recursive: true });
  const written: Array<string | null> = [];
  for (const [index, run] of runs.entries()) {
    if (run.status !== 'succeeded' || run.patch === null || run.patch === '') {
      written.push(null);
      continue;
    }
    const file = path.join(out, names[index]!);
    await writeFile(file, run.patch);
    written.push(file);
  }
  return written;
}

/**
 * The --json document: the task, the message, each run with its status, stats and patch path,
 * the files runs share; with --pr also the pick, the pull request and what was done with it.
 */
function jsonDocument(
  result: Extract<RunPipelineResult, { outcome: 'completed' }>,
  patchPaths: Array<string | null>,
  pr: boolean,
  picked: boolean,
) {
  const report = jsonReport(
    result.task,
    result.message.id,
    result.runs,
    result.comparison,
    patchPaths,
    result.labels,
  );
  const pick =
    result.pick === null
      ? null
      : { runId: result.pick.runId, model: result.pick.label, reason: result.pick.reason };
  if (!pr) return picked ? { ...report, pick, chosenRunId: result.task.chosenRunId } : report;
  return {
    ...report,
    pick,
    pullRequest: result.pullRequest,
    pullRequestAction: result.pullRequestAction,
    ...(result.pick === null ? { noPickReason: result.noPickReason } : {}),
  };
}

function jsonReport(
  task: { id: string; title: string },
  messageId: string,
  runs: Run[],
  comparison: RunComparison,
  patchPaths: Array<string | null>,
  labels: string[],
) {
  return {
    task: { id: task.id, title: task.title },
    messageId,
    runs: runs.map((run, index) => {
      const entry = comparison.runs.find((candidate) => candidate.runId === run.id)!;
      return {
        id: run.id,
        model: labels[index],
        provider: entry.model?.provider ?? null,
        modelName: entry.model?.modelName ?? null,
        status: run.status,
        error: run.error,
        summary: run.summary,
        branch: run.workingBranch,
        filesChanged: run.filesChanged,
        added: entry.added,
        removed: entry.removed,
        durationMs: entry.durationMs,
        usage: run.usage,
        warnings: run.warnings,
        agent: entry.agent,
        agentActivity: entry.agentActivity,
        patchPath: patchPaths[index] ?? null,
      };
    }),
    sharedFiles: comparison.sharedFiles,
  };
}
