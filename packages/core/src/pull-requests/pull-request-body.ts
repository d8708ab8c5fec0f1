/** Opens the part of a pull request body that Goosuke writes (and rewrites). */
export const ownedBlockStart =
  '<!-- goosuke:begin — written by Goosuke; edits between these markers are replaced -->';
/** Closes the part of a pull request body that Goosuke writes. */
export const ownedBlockEnd = '<!-- goosuke:end -->';

/** One run compared for the pull request, as the owned block lists it. */
export interface ComparedRun {
  /** How the run is named to readers, e.g. `openai:gpt-4.1`. */
  label: string;
  status: string;
  filesChanged: number;
  added: number;
  removed: number;
  /** Null when the run has not ended. */
  durationMs: number | null;
  inputTokens: number;
  outputTokens: number;
  costUsd: number | null;
  /** Whether this run's change is the one on the branch. */
  chosen: boolean;
}

/** What the owned block says. */
export interface OwnedBlockInput {
  /** The conversation, oldest first: each message's role and text. */
  conversation: ReadonlyArray<{ role: string; content: string }>;
  /** The runs of the message the chosen run answered, in the order to list them. */
  runs: readonly ComparedRun[];
  /** Why the chosen run was picked (e.g. "picked by alice" or the automatic rule). */
  reason: string;
  /** The chosen run's own summary of its change. */
  summary: string;
  /** An optional summary written by a model for the reader; shown first when given. */
  modelSummary?: string | null;
}

/** How many of the last messages the block quotes. */
const conversationShown = 10;
/** How long a quoted message may be, in characters. */
const messageShown = 200;

/**
 * The markdown of the block Goosuke owns in a pull request body, markers included:
 * deterministic (the same input gives the same text), with the conversation in short (the last
 * messages, first line each, quoted), the runs compared (status, files, lines, time, tokens,
 * cost), which one was chosen and why, and its summary.
 */
export function renderOwnedBlock(input: OwnedBlockInput): string {
  const lines: string[] = [ownedBlockStart, '## Goosuke', ''];
  const modelSummary = input.modelSummary?.trim();
  if (modelSummary) lines.push(modelSummary, '');
  const chosen = input.runs.find((run) => run.chosen);
  if (chosen !== undefined)
    lines.push(`**Chosen run:** ${inline(chosen.label)} (${inline(input.reason)})`, '');
  const summary = input.summary.trim();
  if (summary !== '') lines.push(...summary.split('\n').map((line) => `> ${line}`), '');
  const messages = input.conversation.slice(-conversationShown);
  if (messages.length > 0) {
    lines.push('<details><summary>Conversation</summary>', '');
    if (input.conversation.length > messages.length) {
      lines.push(`_${input.conversation.length - messages.length} earlier messages not shown._`, '');
    }
    for (const message of messages) {
      lines.push(
        `- **${inline(message.role)}**: ${inline(shorten(firstLine(message.content), messageShown))}`,
      );
    }
    lines.push('', '</details>', '');
  }
  if (input.runs.length > 0) {
    lines.push(
      '| model | status | files | lines | time | tokens in / out | cost |',
      '| --- | --- | ---: | ---: | ---: | ---: | ---: |',
    );
    for (const run of input.runs) {
      const label = run.chosen ? `**${cell(run.label)}** ✓` : cell(run.label);
      lines.push(
        `| ${label} | ${cell(run.status)} | ${run.filesChanged} | +${run.added} −${run.removed} | ${duration(run.durationMs)} | ${run.inputTokens} / ${run.outputTokens} | ${run.costUsd === null ? '—' : `$${run.costUsd.toFixed(4)}`} |`,
      );
    }
    lines.push('');
  }
  lines.push(ownedBlockEnd);
  return lines.join('\n');
}

/**
 * A new pull request's body: the repository's template (when there is one) followed by the
 * owned block, or the block alone.
 */
export function composePullRequestBody(options: { template: string | null; block: string }): string {
  const template = options.template?.replace(/\r\n?/g, '\n').trimEnd() ?? '';
  return template === '' ? `${options.block}\n` : `${template}\n\n${options.block}\n`;
}

/**
 * `body` with its owned block replaced by `block`, everything outside the markers kept byte for
 * byte (people's edits to the template or their notes survive). A body whose markers were removed
 * or broken gets the block appended instead, so nothing a person wrote is ever dropped.
 */
export function replaceOwnedBlock(body: string, block: string): string {
  const start = body.indexOf(ownedBlockStart);
  const end = start < 0 ? -1 : body.indexOf(ownedBlockEnd, start + ownedBlockStart.length);
  if (start < 0 || end < 0) {
    const kept = body.trimEnd();
    return kept === '' ? `${block}\n` : `${kept}\n\n${block}\n`;
  }
  return body.slice(0, start) + block + body.slice(end + ownedBlockEnd.length);
}

function firstLine(text: string): string {
  return text.trim().split('\n', 1)[0]!.trim();
}

function shorten(text: string, max: number): string {
  const characters = [...text];
  return characters.length <= max ? text : `${characters.slice(0, max - 1).join('')}…`;
}

/** Text safe on one markdown line: no line breaks, no HTML comment that could close ours. */
function inline(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ').replace(/<!--|-->/g, '');
}

/** Text safe in a table cell. */
function cell(text: string): string {
  return inline(text).replace(/\|/g, '\\|');
}

function duration(ms: number | null): string {
  if (ms === null) return '—';
  if (ms < 1000) return `${ms} ms`;
  const seconds = ms / 1000;
  return seconds < 60
    ? `${seconds.toFixed(1)} s`
    : `${Math.floor(seconds / 60)} min ${Math.round(seconds % 60)} s`;
}
