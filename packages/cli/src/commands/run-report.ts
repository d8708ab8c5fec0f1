import type { Run, RunComparison } from '@goosuke/core';
import { renderTable } from './plain-table.ts';

function duration(ms: number | null): string {
  if (ms === null) return '-';
  if (ms < 1000) return `${ms}ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)}s`;
  return `${Math.floor(ms / 60_000)}m${String(Math.round((ms % 60_000) / 1000)).padStart(2, '0')}s`;
}

function tokens(count: number): string {
  return count >= 10_000 ? `${Math.round(count / 1000)}k` : String(count);
}

/** An agent's tool calls (`4 calls`, `4 calls, 1 refused`); `-` for a model run. */
function toolsOf(activity: RunComparison['runs'][number]['agentActivity']): string {
  if (activity === null) return '-';
  const calls = Object.values(activity.toolCalls).reduce((sum, count) => sum + count, 0);
  const refused = activity.permissions.refused;
  return `${calls} ${calls === 1 ? 'call' : 'calls'}${refused === 0 ? '' : `, ${refused} refused`}`;
}

/**
 * The comparison as a table (model, status, files, lines, time, tokens, cost, and an agent's tool
 * calls with the permissions refused), then the files two runs both changed, each failure's
 * reason, and where patches were written. `labels` and `patchPaths` follow the order of
 * `comparison.runs`.
 */
export function renderComparison(
  comparison: RunComparison,
  labels: readonly string[],
  patchPaths: ReadonlyArray<string | null>,
): string {
  const rows = [
    ['MODEL', 'STATUS', 'FILES', '+/-', 'TIME', 'TOKENS IN/OUT', 'COST', 'TOOLS'],
    ...comparison.runs.map((entry, index) => [
      labels[index] ?? entry.model?.displayName ?? entry.runId,
      entry.status,
      String(entry.filesChanged),
      `+${entry.added} -${entry.removed}`,
      duration(entry.durationMs),
      entry.usage === null ? '-' : `${tokens(entry.usage.inputTokens)}/${tokens(entry.usage.outputTokens)}`,
      entry.usage?.costUsd === null || entry.usage === null ? '-' : `$${entry.usage.costUsd.toFixed(4)}`,
      toolsOf(entry.agentActivity),
    ]),
  ];
  let text = renderTable(rows);
  const labelOf = (runId: string): string => {
    const index = comparison.runs.findIndex((entry) => entry.runId === runId);
    return labels[index] ?? runId;
  };
  for (const shared of comparison.sharedFiles) {
    text += `\nBoth ${labelOf(shared.runIds[0])} and ${labelOf(shared.runIds[1])} changed: ${shared.paths.join(', ')}`;
  }
  if (comparison.sharedFiles.length > 0) text += '\n';
  const failures = comparison.runs.filter((entry) => entry.error !== null);
  if (failures.length > 0) text += '\n';
  for (const entry of failures) text += `${labelOf(entry.runId)} failed: ${entry.error!.message}\n`;
  const written = patchPaths.filter((file): file is string => file !== null);
  if (written.length > 0) text += `\nPatches:\n${written.map((file) => `  ${file}`).join('\n')}\n`;
  return text;
}

/**
 * Where each run's result is, after the comparison of `goosuke run` without --out: its run id and
 * branch (in Goosuke's clone, GOOSUKE_DATA_DIR) or why it has none, then the exact commands that
 * show a run and apply its patch, on the first run that has one.
 */
export function renderResultLocations(
  runs: ReadonlyArray<Pick<Run, 'id' | 'status' | 'workingBranch' | 'patch'>>,
  labels: readonly string[],
): string {
  const rows = runs.map((run, index) => {
    const label = labels[index] ?? run.id;
    const hasPatch = run.status === 'succeeded' && run.patch !== null && run.patch !== '';
    const where =
      hasPatch && run.workingBranch !== null
        ? `branch ${run.workingBranch}`
        : run.status === 'succeeded'
          ? 'no changes'
          : `${run.status}, no patch`;
    return [label, `run ${run.id}`, where];
  });
  const widths = [0, 1].map((column) => Math.max(...rows.map((row) => row[column]!.length)));
  let text = "\nResults (branches in Goosuke's clone in GOOSUKE_DATA_DIR):\n";
  for (const row of rows) {
    text += `  ${row[0]!.padEnd(widths[0]!)}  ${row[1]!.padEnd(widths[1]!)}  ${row[2]}\n`;
  }
  const example = runs.find((run) => run.status === 'succeeded' && run.patch !== null && run.patch !== '');
  if (example !== undefined) {
    text += `See a run:       goosuke runs show ${example.id}\n`;
    text += `Apply its patch: goosuke runs show ${example.id} --patch | goosuke patch apply -\n`;
  }
  return text;
}
