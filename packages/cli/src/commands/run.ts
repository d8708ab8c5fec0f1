import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import {
  type CodeHost,
  codeHostGitAuth,
  collectPages,
  type GitAuth,
  GoosukeError,
  type HostedPullRequest,
  InvalidInputError,
  type ModelProfile,
  type PickCandidate,
  type PullRequest,
  pickableRuns,
  pickMatches,
  pickRun,
  type RepoCheckout,
  type Run,
  type RunComparison,
  type RunPick,
  taskTitleFrom,
  withFreshCredentialsOnce,
} from '@goosuke/core';
import { readAllText } from '../cli-io.ts';
import { readCliConfiguration } from '../configuration.ts';
import { ConfigurationError } from '../configuration-error.ts';
import { createDefaultGoosuke, type DefaultGoosuke } from '../default-goosuke.ts';
import { exitCodes, exitCodeTable } from '../exit-codes.ts';
import { createLanguageModelResolver } from '../language-models.ts';
import { defineCommand } from './command.ts';
import { listAllModelProfiles } from './model-profile-output.ts';
import { pullRequestLine, requireCodeHost, rethrowPullRequestError } from './pr-support.ts';
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
 * The `origin` remote's URL of the git checkout at `dir` (from `.git/config`, or the file a
 * worktree's `.git` names), without credentials; null when there is none. Read directly: no git
 * binary is needed.
 */
async function originUrlOf(dir: string): Promise<string | null> {
  let gitdir = path.join(dir, '.git');
  try {
    const pointer = await readFile(gitdir, 'utf8');
    const named = /^gitdir: (.+)$/m.exec(pointer)?.[1]?.trim();
    if (named !== undefined) {
      gitdir = path.resolve(dir, named);
      const common = await readFile(path.join(gitdir, 'commondir'), 'utf8').catch(() => null);
      if (common !== null) gitdir = path.resolve(gitdir, common.trim());
    }
  } catch {
    // A directory: the usual layout.
  }
  const config = await readFile(path.join(gitdir, 'config'), 'utf8').catch(() => null);
  if (config === null) return null;
  let inOrigin = false;
  for (const line of config.split(/\r?\n/)) {
    const section = /^\s*\[\s*([^\]]+?)\s*\]/.exec(line);
    if (section) {
      inOrigin = /^remote\s+"origin"$/.test(section[1]!);
      continue;
    }
    const url = inOrigin ? /^\s*url\s*=\s*(.+?)\s*$/.exec(line)?.[1] : undefined;
    if (url !== undefined) {
      try {
        const parsed = new URL(url);
        parsed.username = '';
        parsed.password = '';
        return parsed.toString();
      } catch {
        return url;
      }
    }
  }
  return null;
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
        'With --pr: open it from the run of MODEL (provider:model, the model name or the profile name).',
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
    if (specs.length === 0) throw new InvalidInputError(`run needs at least one --model; ${helpHint}`);
    if (options.message === undefined) throw new InvalidInputError(`run needs -m "instruction"; ${helpHint}`);
    let concurrency: number | undefined;
    if (options.concurrency !== undefined) {
      concurrency = Number(options.concurrency);
      if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 64) {
        throw new InvalidInputError(`--concurrency must be a whole number from 1 to 64; ${helpHint}`);
      }
    }
    if (options.pr !== true && (options.branch !== undefined || options.pick !== undefined)) {
      throw new InvalidInputError(`--branch and --pick go with --pr; ${helpHint}`);
    }
    if (options.branch !== undefined && !/^(?!-)[A-Za-z0-9._/-]{1,200}$/.test(options.branch)) {
      throw new InvalidInputError(
        `--branch ${options.branch}: use letters, digits, ".", "_", "-" and "/" only; ${helpHint}`,
      );
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
        pr:
          options.pr === true
            ? {
                ...(options.branch === undefined ? {} : { branch: options.branch }),
                ...(options.pick === undefined ? {} : { pick: options.pick }),
              }
            : undefined,
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
  /** With --pr: open (or update) a pull request from the picked run. */
  pr: { branch?: string; pick?: string } | undefined;
}

/** Where `--pr` puts the pull request: the code host, and the open one on `--branch` if any. */
interface PullRequestTarget {
  host: CodeHost;
  repository: string;
  auth: GitAuth;
  /** The open pull request whose head is `--branch`: the runs build on it and it is updated. */
  adopted: HostedPullRequest | null;
}

/** A ref for people: a commit id shortened, a branch name as it is. */
function refLabel(ref: string): string {
  return /^[0-9a-f]{40}$/.test(ref) ? ref.slice(0, 12) : ref;
}

/**
 * The branch a pull request goes into when --base is not given: the one branch of the clone
 * whose commit is HEAD's (main or master first when several are), never the pull request's own.
 */
async function baseBranchAt(
  goosuke: DefaultGoosuke,
  clone: RepoCheckout,
  head: string,
  exclude: string | undefined,
): Promise<string> {
  const names = new Set<string>();
  for (const name of await goosuke.git.listBranches({ repo: clone })) {
    if (!name.startsWith('origin/')) continue;
    const branch = name.slice('origin/'.length);
    if (branch === exclude) continue;
    if ((await goosuke.git.resolveRef({ repo: clone, ref: name })) === head) names.add(branch);
  }
  const found = [...names];
  if (found.length === 1) return found[0]!;
  const preferred = ['main', 'master'].find((name) => names.has(name));
  if (preferred !== undefined) return preferred;
  throw new InvalidInputError(
    found.length === 0
      ? `--pr: HEAD (${head.slice(0, 12)}) is on no branch of the repository; pass --base BRANCH, the branch the pull request goes into`
      : `--pr: HEAD is on several branches (${found.join(', ')}); pass --base BRANCH, the branch the pull request goes into`,
  );
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
  let target: PullRequestTarget | null = null;
  // Where the repository comes from, and the local checkout whose HEAD the runs start from.
  let location: { url: string; local: boolean; checkout: string | null } = {
    ...plan.location,
    checkout: plan.location.local ? plan.location.url : null,
  };
  if (plan.pr !== undefined) {
    // A CI job's checkout (`--repo .`): the pull request goes to its origin on the code host,
    // which Goosuke clones with the host's credentials; the checkout's HEAD is still the base.
    if (location.local) {
      const origin = await originUrlOf(location.url);
      if (origin !== null && (await goosuke.codeHosts.resolve(origin).catch(() => null)) !== null) {
        location = { url: origin, local: false, checkout: location.url };
        io.stderr.write(`Using the checkout's origin, ${origin}, for the pull request\n`);
      }
    }
    // Before anything runs, is stored or cloned: a pull request needs the repository on a code host.
    const { host, repository } = await requireCodeHost(goosuke, location.url);
    const wanted = plan.pr.pick;
    if (wanted !== undefined) {
      const named = plans.map((spec) => (spec.kind === 'stored' ? spec.profile : spec.preview));
      if (!named.some((profile) => pickMatches(profile.displayName, profile, wanted))) {
        throw new InvalidInputError(
          `--pick ${wanted} names none of the models run (${named.map((profile) => profile.displayName).join(', ')}); ${helpHint}`,
        );
      }
    }
    const auth = await host.getGitAuth({ repository, signal: plan.signal });
    const adopted =
      plan.pr.branch === undefined
        ? null
        : await host.findPullRequest({
            repository,
            head: plan.pr.branch,
            state: 'open',
            signal: plan.signal,
          });
    target = { host, repository, auth, adopted };
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
    repos.find((candidate) => candidate.url === location.url) ??
    (await goosuke.repos.create({ url: location.url }));
  // The first clone of a large repository takes a while: say what is happening.
  io.stderr.write(`Updating Goosuke's clone of ${repo.name}…\n`);
  // Refused credentials (a token revoked or expired early) are renewed once, as runs do.
  const clone = await withFreshCredentialsOnce(
    async (fresh) => {
      if (location.local) return undefined;
      if (!fresh && target?.auth !== undefined) return target.auth;
      return cloneAuth(goosuke, repo.url, fresh);
    },
    (auth) =>
      goosuke.git.clone({
        url: repo.url,
        dir: goosuke.layout.cloneDir(repo),
        signal: plan.signal,
        ...(auth === undefined ? {} : { auth }),
      }),
  );
  let baseRef = plan.base;
  if (baseRef === undefined) {
    // The local checkout's HEAD (a CI job's commit); for a URL, what the remote's HEAD names.
    const head = await goosuke.git.resolveRef({
      repo: location.checkout !== null ? { dir: location.checkout, url: location.checkout } : clone,
      ref: 'HEAD',
    });
    try {
      await goosuke.git.resolveRef({ repo: clone, ref: head });
    } catch {
      throw new InvalidInputError(
        `HEAD of ${location.checkout ?? location.url} (${head.slice(0, 12)}) is on no branch; push it to a branch or pass --base REF`,
      );
    }
    baseRef = head;
  }
  // The task's base branch is where its pull request goes; with an open pull request on
  // --branch, the runs start from that branch so their commits build on it.
  let taskBase = baseRef;
  let runBase = baseRef;
  if (target === null && plan.base === undefined && !location.local) {
    // A branch name, when HEAD is on one, lets `goosuke pr create` open the task's pull request later.
    taskBase = await baseBranchAt(goosuke, clone, baseRef, undefined).catch((error: unknown) => {
      if (error instanceof InvalidInputError) return baseRef;
      throw error;
    });
  }
  if (target !== null && plan.pr !== undefined) {
    taskBase =
      plan.base ?? target.adopted?.base ?? (await baseBranchAt(goosuke, clone, baseRef, plan.pr.branch));
    if (target.adopted !== null) {
      runBase = `origin/${target.adopted.head}`;
      io.stderr.write(
        `Found open pull request #${target.adopted.number} on ${target.adopted.head}: the runs start from it\n`,
      );
    }
  }

  const { task } = await goosuke.tasks.create({
    repoId: repo.id,
    baseBranch: taskBase,
    title: taskTitleFrom(plan.instruction),
  });
  const progressSink = io.stderr;
  const interactive = plan.json ? false : (progressSink as { isTTY?: boolean }).isTTY === true;
  const started = await goosuke.runs.create(task.id, {
    instruction: plan.instruction,
    models: profiles.map((profile) => profile.id),
    baseRef: runBase,
  });
  const labels = profiles.map((profile) => profile.displayName);
  const progress = createRunProgress({
    sink: progressSink,
    interactive,
    columns: (progressSink as { columns?: number }).columns,
    runs: started.runs.map((run, index) => ({ run, label: labels[index]! })),
  });
  if (!plan.json)
    io.stderr.write(`Running ${started.runs.length} models on ${repo.name} at ${refLabel(runBase)}\n`);
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
  if (!plan.json) io.stdout.write(renderComparison(comparison, labels, patchPaths));
  const succeeded = runs.some((run) => run.status === 'succeeded');
  let proposal: Proposal | undefined;
  if (target !== null && plan.pr !== undefined) {
    proposal = await propose(goosuke, plan, {
      taskId: task.id,
      branch: plan.pr.branch,
      adopted: target.adopted,
      candidates: runs.map((run, index) => ({
        entry: comparison.runs.find((candidate) => candidate.runId === run.id)!,
        label: labels[index]!,
        completedAt: run.completedAt,
      })),
    });
  }
  if (plan.json) {
    const report = jsonReport(task, started.message.id, runs, comparison, patchPaths, labels);
    const document =
      proposal === undefined
        ? report
        : {
            ...report,
            pick:
              proposal.pick === null
                ? null
                : {
                    runId: proposal.pick.candidate.entry.runId,
                    model: proposal.pick.candidate.label,
                    reason: proposal.pick.reason,
                  },
            pullRequest: proposal.pullRequest,
            pullRequestAction: proposal.action,
            ...(proposal.pick === null ? { noPullRequestReason: proposal.why } : {}),
          };
    io.stdout.write(`${JSON.stringify(document, null, 2)}\n`);
  }
  if (proposal !== undefined) return proposal.pick === null ? exitCodes.failure : exitCodes.success;
  return succeeded ? exitCodes.success : exitCodes.failure;
}

/** What `--pr` did: the run picked and the pull request opened or updated, or why there is none. */
interface Proposal {
  pick: RunPick | null;
  pullRequest: PullRequest | null;
  action: 'opened' | 'updated' | null;
  why: string | null;
}

/**
 * Picks the run (see pickRun) and opens the task's pull request from it, or adopts the open one
 * on `branch`; prints the choice and the pull request (as lines unless --json).
 */
async function propose(
  goosuke: DefaultGoosuke,
  plan: RunPlan,
  context: {
    taskId: string;
    branch: string | undefined;
    adopted: HostedPullRequest | null;
    candidates: PickCandidate[];
  },
): Promise<Proposal> {
  const { io } = plan;
  const say = (line: string): void => {
    // With --json stdout holds only the document; people and CI logs read stderr.
    (plan.json ? io.stderr : io.stdout).write(line);
  };
  if (pickableRuns(context.candidates).length === 0) {
    const why = 'no run succeeded with changes';
    say(`No pull request opened: ${why}.\n`);
    return { pick: null, pullRequest: null, action: null, why };
  }
  const pick = pickRun(context.candidates, plan.pr?.pick);
  say(`picked ${pick.candidate.label}: ${pick.reason}\n`);
  const pullRequest = await goosuke.pullRequests
    .create(context.taskId, {
      runId: pick.candidate.entry.runId,
      reason: pick.reason,
      ...(context.branch === undefined ? {} : { branch: context.branch }),
    })
    .catch(rethrowPullRequestError);
  const action = context.adopted?.number === pullRequest.number ? 'updated' : 'opened';
  say(pullRequestLine(action, pullRequest));
  return { pick, pullRequest, action, why: null };
}

/**
 * Credentials for cloning a repository URL on a configured code host (none for another URL);
 * a GitHub configuration that is incomplete is a ConfigurationError, as the runs would fail on it.
 */
async function cloneAuth(goosuke: DefaultGoosuke, url: string, fresh = false): Promise<GitAuth | undefined> {
  try {
    return await codeHostGitAuth(goosuke.codeHosts)(url, fresh ? { fresh } : undefined);
  } catch (error) {
    if (!GoosukeError.isInstance(error) || (error.code !== 'invalid_input' && error.code !== 'unsupported')) {
      throw error;
    }
    throw new ConfigurationError(error.code, `GitHub configuration: ${error.message}`, { cause: error });
  }
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
