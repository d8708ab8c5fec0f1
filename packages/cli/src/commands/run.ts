import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import {
  collectPages,
  GoosukeError,
  InvalidInputError,
  type ModelProfile,
  type Run,
  type RunComparison,
  taskTitleFrom,
} from '@goosuke/core';
import { readAllText } from '../cli-io.ts';
import { readCliConfiguration } from '../configuration.ts';
import { createDefaultGoosuke, type DefaultGoosuke } from '../default-goosuke.ts';
import { exitCodes, exitCodeTable } from '../exit-codes.ts';
import { createLanguageModelResolver } from '../language-models.ts';
import { defineCommand } from './command.ts';
import { listAllModelProfiles } from './model-profile-output.ts';
import { patchFileNames, planModelSpec, realizeModelSpec } from './run-models.ts';
import { createRunProgress } from './run-progress.ts';
import { renderComparison } from './run-report.ts';

const helpHint = 'see goosuke run --help';

/** A local repository path (absolute) or the URL as given. */
function repoLocation(value: string, cwd: string): { url: string; local: boolean } {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(value) || /^[^/@\s]+@[^:\s]+:/.test(value))
    return { url: value, local: false };
  const absolute = path.resolve(cwd, value);
  if (!existsSync(absolute)) throw new InvalidInputError(`--repo ${value}: no such directory; ${helpHint}`);
  return { url: absolute, local: true };
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
        'Print one JSON document (task, runs with status, stats and patch path) instead of the table.',
    },
    concurrency: {
      type: 'string',
      valueName: 'N',
      description: 'Runs executing at once (default: all of them).',
    },
  },
  exitCodes: [
    [exitCodes.success, 'At least one run succeeded.'],
    [exitCodes.failure, 'No run succeeded.'],
    [exitCodes.usage, 'Usage error (a flag missing or wrong, an unknown model or repository).'],
    [exitCodes.configuration, 'Configuration error (GOOSUKE_SECRET_KEY, or a provider key not set).'],
    [exitCodeTable.storage.exitCode, 'Reading or writing the database or files failed.'],
    [exitCodeTable.canceled.exitCode, 'Interrupted (Ctrl-C): the runs were canceled.'],
  ],

  async run({ io, options, positionals }) {
    if (positionals.length > 0) {
      throw new InvalidInputError(`run takes no arguments; give the instruction with -m; ${helpHint}`);
    }
    if (options.repo === undefined) throw new InvalidInputError(`run needs --repo PATH|URL; ${helpHint}`);
    const specs = options.model ?? [];
    if (specs.length === 0) throw new InvalidInputError(`run needs at least one --model; ${helpHint}`);
    if (options.message === undefined) throw new InvalidInputError(`run needs -m "instruction"; ${helpHint}`);
    let concurrency: number | undefined;
    if (options.concurrency !== undefined) {
      concurrency = Number(options.concurrency);
      if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 64) {
        throw new InvalidInputError(`--concurrency must be a whole number from 1 to 64; ${helpHint}`);
      }
    }
    const instruction =
      options.message === '-' ? (await readAllText(io.stdin)).trim() : options.message.trim();
    if (instruction === '') throw new InvalidInputError(`the instruction is empty; ${helpHint}`);
    const location = repoLocation(options.repo, io.cwd);

    const configuration = await readCliConfiguration(io);
    const goosuke = await createDefaultGoosuke(configuration.config, { env: configuration.env });
    const interrupt = new AbortController();
    const onSigint = (): void => interrupt.abort(new GoosukeError('canceled', 'interrupted'));
    process.once('SIGINT', onSigint);
    try {
      return await execute(goosuke, {
        io,
        env: configuration.env,
        location,
        base: options.base,
        specs,
        instruction,
        out: options.out === undefined ? undefined : path.resolve(io.cwd, options.out),
        json: options.json === true,
        concurrency,
        signal: interrupt.signal,
      });
    } finally {
      process.off('SIGINT', onSigint);
      await goosuke.close();
    }
  },
});

interface RunPlan {
  io: Parameters<Parameters<typeof defineCommand>[0]['run']>[0]['io'];
  env: Readonly<Record<string, string>>;
  location: { url: string; local: boolean };
  base: string | undefined;
  specs: string[];
  instruction: string;
  out: string | undefined;
  json: boolean;
  concurrency: number | undefined;
  signal: AbortSignal;
}

async function execute(goosuke: DefaultGoosuke, plan: RunPlan): Promise<number> {
  const { io } = plan;
  // Models first: a missing key must stop us before anything is cloned or stored.
  const known = await listAllModelProfiles(goosuke.models);
  const resolver = createLanguageModelResolver({ env: plan.env });
  const plans = plan.specs.map((spec) => planModelSpec(spec, plan.env, known));
  for (const spec of plans) {
    const profile = spec.kind === 'stored' ? spec.profile : spec.preview;
    await resolver(profile, spec.kind === 'stored' ? await goosuke.models.revealApiKey(profile.id) : null);
  }
  const profiles: ModelProfile[] = [];
  const created = new Map<string, ModelProfile>();
  for (const spec of plans) {
    // A provider:model given twice is one profile run twice.
    const key = spec.kind === 'stored' ? spec.profile.id : spec.input.displayName;
    const profile = created.get(key) ?? (await realizeModelSpec(goosuke.models, spec));
    created.set(key, profile);
    profiles.push(profile);
  }

  const repos = await collectPages((cursor) => goosuke.repos.list({ limit: 500, cursor }));
  const repo =
    repos.find((candidate) => candidate.url === plan.location.url) ??
    (await goosuke.repos.create({ url: plan.location.url }));
  // The first clone of a large repository takes a while: say what is happening.
  io.stderr.write(`Updating Goosuke's clone of ${repo.name}…\n`);
  const clone = await goosuke.git.clone({
    url: repo.url,
    dir: goosuke.layout.cloneDir(repo),
    signal: plan.signal,
  });
  let baseRef = plan.base;
  if (baseRef === undefined) {
    // The local checkout's HEAD (a CI job's commit); for a URL, what the remote's HEAD names.
    const head = await goosuke.git.resolveRef({
      repo: plan.location.local ? { dir: plan.location.url, url: plan.location.url } : clone,
      ref: 'HEAD',
    });
    try {
      await goosuke.git.resolveRef({ repo: clone, ref: head });
    } catch {
      throw new InvalidInputError(
        `HEAD of ${plan.location.url} (${head.slice(0, 12)}) is on no branch; push it to a branch or pass --base REF`,
      );
    }
    baseRef = head;
  }

  const { task } = await goosuke.tasks.create({
    repoId: repo.id,
    baseBranch: baseRef,
    title: taskTitleFrom(plan.instruction),
  });
  const progressSink = io.stderr;
  const interactive = plan.json ? false : (progressSink as { isTTY?: boolean }).isTTY === true;
  const started = await goosuke.runs.create(task.id, {
    instruction: plan.instruction,
    models: profiles.map((profile) => profile.id),
    baseRef,
  });
  const labels = profiles.map((profile) => profile.displayName);
  const progress = createRunProgress({
    sink: progressSink,
    interactive,
    columns: (progressSink as { columns?: number }).columns,
    runs: started.runs.map((run, index) => ({ run, label: labels[index]! })),
  });
  if (!plan.json)
    io.stderr.write(`Running ${started.runs.length} models on ${repo.name} at ${baseRef.slice(0, 12)}\n`);
  progress.start();
  const unsubscribe = goosuke.runs.subscribe((event) => progress.onEvent(event));
  const workers = goosuke.runs.startWorkers({ concurrency: plan.concurrency ?? started.runs.length });
  let runs: Run[];
  const ids = started.runs.map((run) => run.id);
  try {
    runs = await goosuke.runs.waitFor(ids, { signal: plan.signal });
  } catch (error) {
    if (!plan.signal.aborted) throw error;
    io.stderr.write('Interrupted: canceling the runs…\n');
    for (const id of ids) await goosuke.runs.cancel(id);
    await goosuke.runs.waitFor(ids);
    await workers.stop();
    unsubscribe();
    return exitCodeTable.canceled.exitCode;
  }
  await workers.stop();
  unsubscribe();

  const comparison = await goosuke.runs.compare(started.message.id);
  const patchPaths = await writePatches(plan.out, runs, profiles);
  if (plan.json) {
    io.stdout.write(
      `${JSON.stringify(jsonReport(task, started.message.id, runs, comparison, patchPaths, labels), null, 2)}\n`,
    );
  } else {
    io.stdout.write(renderComparison(comparison, labels, patchPaths));
  }
  return runs.some((run) => run.status === 'succeeded') ? exitCodes.success : exitCodes.failure;
}

async function writePatches(
  out: string | undefined,
  runs: Run[],
  profiles: ModelProfile[],
): Promise<Array<string | null>> {
  if (out === undefined) return runs.map(() => null);
  await mkdir(out, { recursive: true });
  const names = patchFileNames(profiles);
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
        patchPath: patchPaths[index] ?? null,
      };
    }),
    sharedFiles: comparison.sharedFiles,
  };
}
