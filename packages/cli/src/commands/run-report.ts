import type { RunComparison } from '@goosuke/core';

function duration(ms: number | null): string {
  if (ms === null) return '-';
  if (ms < 1000) return `${ms}ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)}s`;
  return `${Math.floor(ms / 60_000)}m${String(Math.round((ms % 60_000) / 1000)).padStart(2, '0')}s`;
}

function tokens(count: number): string {
  return count >= 10_000 ? `${Math.round(count / 1000)}k` : String(count);
}

/**
 * The comparison as a table (model, status, files, lines, time, tokens, cost), then the files two
 * runs both changed, each failure's reason, and where patches were written. `labels` and
 * `patchPaths` follow the order of `comparison.runs`.
 */
export function renderComparison(
  comparison: RunComparison,
  labels: readonly string[],
  patchPaths: ReadonlyArray<string | null>,
): string {
  const rows = [
    ['MODEL', 'STATUS', 'FILES', '+/-', 'TIME', 'TOKENS IN/OUT', 'COST'],
    ...comparison.runs.map((entry, index) => [
      labels[index] ?? entry.model?.displayName ?? entry.runId,
      entry.status,
      String(entry.filesChanged),
      `+${entry.added} -${entry.removed}`,
      duration(entry.durationMs),
      entry.usage === null ? '-' : `${tokens(entry.usage.inputTokens)}/${tokens(entry.usage.outputTokens)}`,
      entry.usage?.costUsd === null || entry.usage === null ? '-' : `$${entry.usage.costUsd.toFixed(4)}`,
    ]),
  ];
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  let text = rows
    .map((row) =>
      row
        .map((cell, column) => cell.padEnd(widths[column]!))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
  text += '\n';
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
