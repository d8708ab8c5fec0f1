import {
  type Action,
  ConflictError,
  executorLabel,
  GoosukeError,
  InvalidInputError,
  type ModelProfile,
  type Run,
  type RunsWaitOutcome,
  renderTemplate,
  type Template,
  type TriggeredTask,
  waitForRunsOrCancel,
} from '@goosuke/core';
import type { CliIo } from '../cli-io.ts';
import { readCliConfiguration } from '../configuration.ts';
import { createDefaultGoosuke, type DefaultGoosuke } from '../default-goosuke.ts';
import { exitCodes, exitCodeTable } from '../exit-codes.ts';
import { createLanguageModelResolver, type Environment } from '../language-models.ts';
import { defineCommand } from './command.ts';
import { listAllModelProfiles } from './model-profile-output.ts';
import { type AgentFlag, parseAgentFlag, planAgentRuns, realizeAgentRuns } from './run-agents.ts';
import { planModelSpec, realizeModelSpec } from './run-models.ts';
import { createRunProgress } from './run-progress.ts';
import { renderComparison } from './run-report.ts';

const helpHint = 'see goosuke actions trigger --help';

/**
 * The `--param NAME=VALUE` flags as template values (strings; core coerces them per parameter
 * type). The value is everything after the first `=`, so it may hold `=` itself.
 * InvalidInputError for a flag without `=` or without a name, and for a name given twice.
 */
export function parseParams(flags: readonly string[]): Record<string, string> {
  const values = new Map<string, string>();
  for (const flag of flags) {
    const equals = flag.indexOf('=');
    if (equals <= 0) {
      throw new InvalidInputError(`--param ${JSON.stringify(flag)}: give NAME=VALUE; ${helpHint}`);
    }
    const name = flag.slice(0, equals);
    if (values.has(name))
      throw new InvalidInputError(`--param ${name} is given twice; give each parameter once`);
    values.set(name, flag.slice(equals + 1));
  }
  return Object.fromEntries(values);
}

/**
 * `goosuke actions trigger NAME|ID [--param k=v ...] [--model SPEC ...] [--agent NAME[=MODEL] ...] [--idempotency-key K]
 * [--no-wait] [--json]`: fills the action's template and starts its runs; unless --no-wait, runs
 * them in this process (as goosuke run does), shows progress on stderr and prints the outcome.
 */
export const actionsTriggerCommand = defineCommand({
  name: 'trigger',
  summary: 'Trigger an action and print its answer or change.',
  description: [
    "Fills the action's template with the --param values and starts one run per model, then runs",
    'them in this process (no server needed), shows a progress line per model on stderr and',
    'prints the outcome: for a text template the answer of each run, for a template that changes',
    "a repository each run's summary, its files changed and a comparison of the runs.",
    '',
    'Values are given as text and checked against the template: a number parameter takes 42,',
    'a boolean one true or false, an enum one of its options. --model takes a stored profile (its',
    'name or id; see goosuke models list) or provider:model, as for goosuke run; without it the',
    "template's default models run.",
    '',
    '--no-wait only starts the task: it prints the task id and the run ids and leaves the runs',
    'queued for goosuke serve to execute. --idempotency-key makes a retried trigger return the',
    'task the first one created instead of starting another.',
    '',
    'Configuration is read as for goosuke run: GOOSUKE_SECRET_KEY, GOOSUKE_DATA_DIR,',
    'GOOSUKE_DATABASE_URL and the provider keys (OPENAI_API_KEY ...) for profiles without a key.',
  ].join('\n'),
  arguments: [
    { name: 'NAME|ID', description: 'The action to trigger, by name or id (see goosuke actions list).' },
  ],
  options: {
    param: {
      type: 'string',
      short: 'p',
      multiple: true,
      valueName: 'NAME=VALUE',
      description: 'A template parameter; the value may contain "=". Repeat for each parameter.',
    },
    model: {
      type: 'string',
      short: 'M',
      multiple: true,
      valueName: 'SPEC',
      description:
        "A model to run: a stored profile or provider:model. Repeat for each (default: the template's).",
    },
    agent: {
      type: 'string',
      short: 'a',
      multiple: true,
      valueName: 'NAME[=MODEL]',
      description:
        'A coding agent to run (see goosuke agents list), on MODEL or its default profile. Repeat for each.',
    },
    'idempotency-key': {
      type: 'string',
      valueName: 'KEY',
      description: "Give the same KEY to a retry: it returns the first trigger's task (1 to 190 characters).",
    },
    'no-wait': {
      type: 'boolean',
      description: 'Print the task and run ids and exit; the runs stay queued for goosuke serve.',
    },
    json: {
      type: 'boolean',
      description:
        "Print one JSON document: { task, created, runs } with each run's id, model, status, error, summary and files changed (with --no-wait: ids and statuses).",
    },
  },
  exitCodes: [
    [exitCodes.success, 'At least one run succeeded (with --no-wait: the runs were queued).'],
    [exitCodes.failure, 'No run succeeded; or the action is disabled.'],
    [exitCodes.usage, 'Usage error (a flag missing or wrong, bad parameters, an unknown action or model).'],
    [exitCodes.configuration, 'Configuration error (GOOSUKE_SECRET_KEY, a provider key not set).'],
    [exitCodeTable.storage.exitCode, 'Reading or writing the database or files failed.'],
    [exitCodeTable.canceled.exitCode, 'Interrupted (Ctrl-C): the runs were canceled.'],
  ],

  async run({ io, options, positionals }) {
    if (positionals.length !== 1) {
      throw new InvalidInputError(`actions trigger takes one action, by name or id; ${helpHint}`);
    }
    const name = positionals[0]!;
    const parameters = parseParams(options.param ?? []);
    const wait = options['no-wait'] !== true;
    const configuration = await readCliConfiguration(io);
    const goosuke = await createDefaultGoosuke(configuration.config, { env: configuration.env });
    const interrupt = new AbortController();
    const onSigint = (): void => interrupt.abort(new GoosukeError('canceled', 'interrupted'));
    if (wait) process.once('SIGINT', onSigint);
    try {
      const action = await resolveAction(goosuke, name);
      // Checked here as well as in core so that a disabled action says so before any model is
      // checked or stored.
      if (!action.enabled) {
        throw new ConflictError(
          `action ${action.name} is disabled; an admin enables it with PATCH /api/v1/actions/${action.id}`,
        );
      }
      const template = await goosuke.templates.get(action.templateId);
      // Core checks the values again when triggering; checking first means bad values store nothing
      // (not even the profile of a new provider:model).
      renderTemplate(template, parameters);
      const chosen = await chooseExecutors(goosuke, {
        env: configuration.env,
        specs: options.model ?? [],
        agents: (options.agent ?? []).map(parseAgentFlag),
        template,
        // The runs execute here only when waiting; `goosuke serve` has its own environment.
        checkKeys: wait,
      });
      const key = options['idempotency-key'];
      const triggered = await goosuke.actions.trigger(action.id, {
        parameters,
        ...chosen,
        ...(key === undefined ? {} : { idempotencyKey: key }),
      });
      if (!triggered.created) {
        io.stderr.write(`Idempotency key seen before: task ${triggered.task.id} of the first trigger\n`);
      }
      if (!wait) return printQueued(io, triggered, options.json === true);
      return await runAndReport(goosuke, {
        io,
        action,
        triggered,
        json: options.json === true,
        signal: interrupt.signal,
      });
    } finally {
      process.off('SIGINT', onSigint);
      await goosuke.close();
    }
  },
});

async function resolveAction(goosuke: DefaultGoosuke, idOrName: string): Promise<Action> {
  try {
    return await goosuke.actions.resolve(idOrName);
  } catch (error) {
    if (!GoosukeError.isInstance(error) || error.code !== 'not_found') throw error;
    throw new GoosukeError(
      'not_found',
      `no action is named ${JSON.stringify(idOrName)} or has that id; see goosuke actions list`,
      { cause: error },
    );
  }
}

/**
 * The model profile ids and agents to run: the `--model` specs (stored profiles, or
 * provider:model profiles stored now) and the `--agent` flags (see planAgentRuns), or nothing
 * for the template's defaults. With `checkKeys` (the runs execute here), every model must have a
 * key (stored or in the environment) and every agent be installed here before anything is
 * stored: a ConfigurationError-class error otherwise, as for goosuke run.
 */
async function chooseExecutors(
  goosuke: DefaultGoosuke,
  choice: {
    env: Environment;
    specs: readonly string[];
    agents: readonly AgentFlag[];
    template: Template;
    checkKeys: boolean;
  },
): Promise<{ models?: string[]; agents?: Array<{ agent: string; model: string }> }> {
  const resolver = createLanguageModelResolver({ env: choice.env });
  if (choice.specs.length === 0 && choice.agents.length === 0) {
    const { template } = choice;
    if (template.defaultModelProfileIds.length === 0 && template.defaultAgents.length === 0) {
      throw new InvalidInputError(
        `template ${template.name} has no default models or agents; name one with --model or --agent; ${helpHint}`,
      );
    }
    if (choice.checkKeys) {
      for (const id of template.defaultModelProfileIds) {
        await resolver(await goosuke.models.get(id), await goosuke.models.revealApiKey(id));
      }
    }
    return {};
  }
  const known = await listAllModelProfiles(goosuke.models);
  const plans = choice.specs.map((spec) => planModelSpec(spec, choice.env, known));
  const agentPlans = await planAgentRuns(goosuke, choice.agents, choice.env, known, {
    here: choice.checkKeys,
  });
  if (choice.checkKeys) {
    for (const plan of plans) {
      const profile = plan.kind === 'stored' ? plan.profile : plan.preview;
      await resolver(profile, plan.kind === 'stored' ? await goosuke.models.revealApiKey(profile.id) : null);
    }
  }
  const realized = new Map<string, ModelProfile>();
  const models: string[] = [];
  for (const plan of plans) {
    // A provider:model given twice is one profile run twice; keyed as realizeAgentRuns looks.
    const key = plan.kind === 'stored' ? plan.profile.id : plan.input.displayName;
    const profile = realized.get(key) ?? (await realizeModelSpec(goosuke.models, plan));
    realized.set(key, profile);
    models.push(profile.id);
  }
  const agents = await realizeAgentRuns(goosuke, agentPlans, realized);
  return {
    ...(models.length === 0 ? {} : { models }),
    ...(agents.length === 0
      ? {}
      : { agents: agents.map((run) => ({ agent: run.agent, model: run.profile.id })) }),
  };
}

function printQueued(io: CliIo, triggered: TriggeredTask, json: boolean): number {
  if (json) {
    const document = {
      task: { id: triggered.task.id, title: triggered.task.title },
      created: triggered.created,
      runs: triggered.runs.map((run) => ({ id: run.id, status: run.status })),
    };
    io.stdout.write(`${JSON.stringify(document, null, 2)}\n`);
  } else {
    io.stdout.write(`${[triggered.task.id, ...triggered.runs.map((run) => run.id)].join('\n')}\n`);
  }
  return exitCodes.success;
}

/** The display name of each run's model (the agent CLI's name for an agent run). */
async function runLabels(goosuke: DefaultGoosuke, runs: readonly Run[]): Promise<string[]> {
  const names = new Map<string, { displayName: string } | null>();
  const labels: string[] = [];
  for (const run of runs) {
    const id = run.executor.modelProfileId;
    if (id !== null && !names.has(id)) {
      names.set(id, await goosuke.models.get(id).catch(() => null));
    }
    labels.push(executorLabel(run.executor, id === null ? null : (names.get(id) ?? null)));
  }
  return labels;
}

/** Starts workers here, follows the runs to their end with progress lines, prints the outcome. */
async function runAndReport(
  goosuke: DefaultGoosuke,
  plan: { io: CliIo; action: Action; triggered: TriggeredTask; json: boolean; signal: AbortSignal },
): Promise<number> {
  const { io, triggered } = plan;
  const labels = await runLabels(goosuke, triggered.runs);
  const sink = io.stderr;
  const progress = createRunProgress({
    sink,
    interactive: plan.json ? false : (sink as { isTTY?: boolean }).isTTY === true,
    columns: (sink as { columns?: number }).columns,
    runs: triggered.runs.map((run, index) => ({ run, label: labels[index]! })),
  });
  const count = triggered.runs.length;
  if (!plan.json) {
    io.stderr.write(
      `Triggered ${plan.action.name}: task ${triggered.task.id}, ${count} ${count === 1 ? 'run' : 'runs'}\n`,
    );
  }
  progress.start();
  // Subscribed before the workers start, so that no event of these runs is missed.
  const unsubscribe = goosuke.runs.subscribe((event) => progress.onEvent(event));
  const workers = goosuke.runs.startWorkers({ concurrency: Math.max(count, 1) });
  let outcome: RunsWaitOutcome;
  try {
    outcome = await waitForRunsOrCancel(
      goosuke.runs,
      triggered.runs.map((run) => run.id),
      {
        signal: plan.signal,
        onCancel: () => {
          io.stderr.write('Interrupted: canceling the runs…\n');
        },
      },
    );
  } finally {
    await workers.stop();
    unsubscribe();
  }
  if (outcome.canceled) return exitCodeTable.canceled.exitCode;
  const { runs } = outcome;

  const textTask = triggered.task.repoId === null;
  const comparison = textTask || runs.length === 0 ? null : await goosuke.runs.compare(runs[0]!.messageId);
  const stat = (run: Run) => {
    const entry = comparison?.runs.find((candidate) => candidate.runId === run.id);
    return { added: entry?.added ?? 0, removed: entry?.removed ?? 0 };
  };
  if (plan.json) {
    const document = {
      task: { id: triggered.task.id, title: triggered.task.title, repoId: triggered.task.repoId },
      created: triggered.created,
      runs: runs.map((run, index) => ({
        id: run.id,
        model: labels[index],
        status: run.status,
        error: run.error,
        summary: run.summary,
        branch: run.workingBranch,
        filesChanged: run.filesChanged,
        ...(textTask ? {} : stat(run)),
        usage: run.usage,
        warnings: run.warnings,
      })),
    };
    io.stdout.write(`${JSON.stringify(document, null, 2)}\n`);
  } else if (textTask) {
    writeAnswers(io, runs, labels);
  } else {
    writeChanges(io, runs, labels);
    const byRun = new Map(runs.map((run, index) => [run.id, labels[index]!]));
    io.stdout.write(
      `\n${renderComparison(
        comparison!,
        comparison!.runs.map((entry) => byRun.get(entry.runId) ?? entry.runId),
        [],
      )}`,
    );
  }
  return runs.some((run) => run.status === 'succeeded') ? exitCodes.success : exitCodes.failure;
}

/**
 * The answers of a text task on stdout (alone for one run, so that it can be piped; under a
 * `==> model <==` header each for several); failures on stderr, as stdout holds only answers.
 */
function writeAnswers(io: CliIo, runs: readonly Run[], labels: readonly string[]): void {
  const headed = runs.length > 1;
  let first = true;
  for (const [index, run] of runs.entries()) {
    if (run.status !== 'succeeded') {
      const reason = run.error?.message ?? run.status;
      io.stderr.write(`${labels[index]} ${run.status}: ${reason}\n`);
      continue;
    }
    const answer = (run.summary ?? '').replace(/\n*$/, '\n');
    io.stdout.write(headed ? `${first ? '' : '\n'}==> ${labels[index]} <==\n${answer}` : answer);
    first = false;
  }
}

/** Each successful repository run: its summary, branch and files changed with their line counts. */
function writeChanges(io: CliIo, runs: readonly Run[], labels: readonly string[]): void {
  let first = true;
  for (const [index, run] of runs.entries()) {
    if (run.status !== 'succeeded') continue;
    let text = `${first ? '' : '\n'}==> ${labels[index]} <==\n`;
    first = false;
    if (run.summary !== null && run.summary.trim() !== '') text += `${run.summary.trim()}\n`;
    if (run.workingBranch !== null) text += `branch ${run.workingBranch}\n`;
    if (run.filesChanged.length === 0) text += 'no files changed\n';
    const width = Math.max(0, ...run.filesChanged.map((file) => file.path.length));
    for (const file of run.filesChanged) {
      text += ` ${file.path.padEnd(width)} | +${file.added} -${file.removed}${file.oldPath === null ? '' : ` (from ${file.oldPath})`}\n`;
    }
    io.stdout.write(text);
  }
}
