// One instruction, several models at once, one comparison: what `goosuke run` does, as one call
// of the SDK's run pipeline (`goosuke.pipeline.run`), so that you can do the same from your own program.
//
//   node examples/multi-model/run.ts [REPO] [INSTRUCTION]
//
// REPO is a local git repository (default: the current directory); it is never modified: each
// model works in its own working copy of a clone. Models come from GOOSUKE_EXAMPLE_MODELS
// (comma-separated provider:model, default openai:gpt-4.1,anthropic:claude-sonnet-4-6), their
// keys from OPENAI_API_KEY, ANTHROPIC_API_KEY, GEMINI_API_KEY (and *_BASE_URL for other servers).
// Node runs this file as is (it strips the types), on the built packages: run `npm run build` first.
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createDefaultGoosuke, readDefaultGoosukeConfig } from '@goosuke/cli';
import { type ModelProfile, modelProviderSchema, type RunComparison } from '@goosuke/core';

const env = process.env;
const repoDir = path.resolve(process.argv[2] ?? process.cwd());
const instruction =
  process.argv[3] ?? 'Find one confusing name in this project and rename it, updating every use.';
// `provider:model` → what a model profile is made of; the display name is the spec itself.
const models = (env.GOOSUKE_EXAMPLE_MODELS ?? 'openai:gpt-4.1,anthropic:claude-sonnet-4-6')
  .split(',')
  .map((spec) => spec.trim())
  .filter((spec) => spec !== '')
  .map((spec) => {
    const colon = spec.indexOf(':');
    const provider = modelProviderSchema.safeParse(spec.slice(0, colon));
    if (colon === -1 || !provider.success) {
      console.error(
        `${spec}: expected provider:model with provider one of ${modelProviderSchema.options.join(', ')}`,
      );
      process.exit(2);
    }
    // An OpenAI-compatible server (Ollama, vLLM) has no default address: take OPENAI_BASE_URL.
    const baseUrl = provider.data === 'openai-compatible' ? env.OPENAI_BASE_URL : undefined;
    return { provider: provider.data, modelName: spec.slice(colon + 1), displayName: spec, baseUrl };
  });

// Goosuke keeps its database, clones and working copies in a data directory. Without
// GOOSUKE_DATA_DIR this example uses a throwaway one, sealed with a throwaway secret key (the key
// encrypts provider keys stored in the database; this example stores none).
const temporary = env.GOOSUKE_DATA_DIR ? null : await mkdtemp(path.join(os.tmpdir(), 'goosuke-example-'));
const config = readDefaultGoosukeConfig(
  {
    ...env,
    ...(temporary === null
      ? {}
      : { GOOSUKE_DATA_DIR: temporary, GOOSUKE_SECRET_KEY: randomBytes(32).toString('base64url') }),
  },
  process.cwd(),
);
// The default composition: SQLite file, durable job queue, isomorphic-git and the OpenAI,
// Anthropic and Google providers, which read keys and base URLs from `env`.
const goosuke = await createDefaultGoosuke(config, { env });

try {
  // A model profile per `provider:model`, reused when it exists (keys stay in the environment).
  const profiles: ModelProfile[] = [];
  const known = (await goosuke.models.list({ limit: 500 })).items;
  for (const model of models) {
    profiles.push(
      known.find((profile) => profile.displayName === model.displayName) ??
        (await goosuke.models.create(model)),
    );
  }

  // The whole pipeline in one call: the repository is registered (or found) and cloned, a task
  // starts from the commit checked out there, one run per model executes in parallel in this
  // process (`workers`), and the runs are compared. Ctrl-C cancels them all.
  const interrupt = new AbortController();
  process.once('SIGINT', () => interrupt.abort());
  const labels = new Map<string, string>();
  let width = 0;
  const result = await goosuke.pipeline.run(
    { repo: repoDir, instruction, models: profiles.map((profile) => profile.id) },
    {
      workers: true,
      signal: interrupt.signal,
      onEvent(event) {
        if (event.type === 'runs-started') {
          for (const [index, run] of event.runs.entries()) labels.set(run.id, event.labels[index]!);
          width = Math.max(...event.labels.map((label) => label.length));
          console.log(
            `Running ${event.runs.length} ${event.runs.length === 1 ? 'model' : 'models'} on ${repoDir} at ${event.base.ref.slice(0, 12)}: ${instruction}\n`,
          );
        } else if (event.type === 'run') {
          // Every step of every run is an event: stream them as progress lines.
          const label = labels.get(event.event.runId) ?? event.event.runId;
          console.log(`${label.padEnd(width)}  ${event.event.message}`);
        }
      },
    },
  );
  if (result.outcome === 'canceled') {
    console.log('\nCanceled.');
    process.exitCode = 130;
  } else {
    // The runs side by side, then each patch (also on branch goosuke/run-<id> of the clone).
    console.log(`\n${renderComparison(result.comparison, labels)}`);
    for (const run of result.runs) {
      if (run.patch) console.log(`\n${labels.get(run.id)} (${run.workingBranch}):\n${run.patch.trimEnd()}`);
    }
    process.exitCode = result.runs.some((run) => run.status === 'succeeded') ? 0 : 1;
  }
} finally {
  await goosuke.close();
  if (temporary !== null) await rm(temporary, { recursive: true, force: true });
}

/** A plain table: model, status, files, lines added and removed, time, tokens, cost; then overlaps and failures. */
function renderComparison(comparison: RunComparison, labels: Map<string, string>): string {
  const rows = [
    ['MODEL', 'STATUS', 'FILES', 'LINES', 'TIME', 'TOKENS IN/OUT', 'COST'],
    ...comparison.runs.map((entry) => [
      labels.get(entry.runId) ?? entry.runId,
      entry.status,
      String(entry.filesChanged),
      `+${entry.added} -${entry.removed}`,
      entry.durationMs === null ? '-' : `${(entry.durationMs / 1000).toFixed(1)}s`,
      entry.usage === null ? '-' : `${entry.usage.inputTokens}/${entry.usage.outputTokens}`,
      entry.usage === null || entry.usage.costUsd === null ? '-' : `$${entry.usage.costUsd.toFixed(4)}`,
    ]),
  ];
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  const lines = rows.map((row) =>
    row
      .map((cell, column) => cell.padEnd(widths[column]!))
      .join('  ')
      .trimEnd(),
  );
  if (comparison.sharedFiles.length > 0) lines.push('');
  for (const shared of comparison.sharedFiles) {
    const [left, right] = shared.runIds.map((id) => labels.get(id) ?? id);
    lines.push(`Both ${left} and ${right} changed ${shared.paths.join(', ')}`);
  }
  for (const entry of comparison.runs) {
    if (entry.error !== null) lines.push(`${labels.get(entry.runId)} failed: ${entry.error.message}`);
  }
  return lines.join('\n');
}
