// The wire-independent part of the fake model: what a request's prompt asks for (a keyword in
// the user's instruction), which step of the turn the agent is at, and what the scripted agent
// does at that step. The wire modules turn a step into the agent's own tool call shapes.

/** What the fake does for one instruction, chosen by a keyword in it. */
export type ScenarioKind = 'edit' | 'slow' | 'fail' | 'shell' | 'outside' | 'mcp' | 'answer' | 'text';

/**
 * The keywords, as they appear in an instruction. Bracketed, so that nothing in an agent's own
 * system prompt or context (which the fake also sees) is taken for one.
 */
export const keywords = {
  edit: '[EDIT]',
  slow: '[SLOW]',
  fail: '[FAIL]',
  shell: '[SHELL]',
  outside: '[OUTSIDE]',
  /** Call an MCP extension's tool, then make an edit and a last message carrying its result. */
  mcp: '[MCP]',
  /** A plain answer, as without a keyword, but winning over the earlier requests a prompt quotes. */
  answer: '[ANSWER]',
} as const satisfies Record<Exclude<ScenarioKind, 'text'>, string>;

/**
 * The scenario a prompt text asks for: the keyword that comes last in it (a follow-up's prompt
 * may quote the earlier requests, then the latest one); `text` (a plain answer) when it names none.
 */
export function scenarioOf(prompt: string): ScenarioKind {
  let found: ScenarioKind = 'text';
  let at = -1;
  for (const [kind, keyword] of Object.entries(keywords)) {
    const index = prompt.lastIndexOf(keyword);
    if (index > at) {
      at = index;
      found = kind as ScenarioKind;
    }
  }
  return found;
}

/** The edit the `[EDIT]` scenario makes, and the texts every scenario ends with. */
export interface FakeScript {
  /** The file edited, relative to the working copy's root (`/` separated). */
  readonly file: string;
  /**
   * The exact text replaced (once) and its replacement: whole lines, indentation included (Codex's
   * apply_patch hunks are lines).
   */
  readonly oldText: string;
  readonly newText: string;
  /** The agent's last message after the edit: the run's summary. */
  readonly summary: string;
  /** `[OUTSIDE]`: an absolute path outside the working copy the agent tries to create, and its content. */
  readonly outsidePath: string;
  readonly outsideContent: string;
  /** `[SHELL]`: the command the agent asks to run (one no agent runs unasked). */
  readonly shellCommand: string;
  /**
   * `[MCP]`: the MCP server (as the agent names it: the extension's name) whose tool is called,
   * the tool (its name as the server lists it) and its arguments.
   */
  readonly mcpServer: string;
  readonly mcpTool: string;
  readonly mcpInput: Readonly<Record<string, unknown>>;
}

/** The default script: a TypeScript greeting made warmer. */
export const defaultScript: FakeScript = {
  file: 'src/greet.ts',
  oldText: "  return 'Hello ' + name;",
  newText: "  return 'Hello, dear ' + name + '!';",
  summary: 'Made the greeting warmer.',
  outsidePath: '/tmp/goosuke-agents-e2e-outside.txt',
  outsideContent: 'written from inside the sandbox\n',
  shellCommand: 'npm install --no-save left-pad',
  mcpServer: 'facts',
  mcpTool: 'add',
  mcpInput: { a: 20, b: 22 },
};

/**
 * `[MCP]`'s edit: the greeting carries the tool's result (`answer`, as the model read it from the
 * tool result in the agent's request), so the file proves the result reached the model.
 */
export function mcpNewText(answer: string): string {
  return `  return 'Hello ' + name + ', the answer is ${answer}';`;
}

/** `[MCP]`'s last message (the run's summary), with the tool's result. */
export function mcpSummary(answer: string): string {
  return `The facts extension says the answer is ${answer}.`;
}

/**
 * The sum a tool result of the fixture's `add` carries, as the agents pass it back: its text
 * (`42`; Gemini CLI wraps it in `<untrusted_context>` lines) or its structured content
 * (`{"sum":42}`: Claude Code; Codex after its own `Wall time: …` and `Output:` lines). Null when
 * neither is there (a refused or failed call).
 */
export function sumIn(toolResult: string): string | null {
  const number = '-?\\d+(?:\\.\\d+)?';
  return (
    new RegExp(`"sum"\\s*:\\s*(${number})`).exec(toolResult)?.[1] ??
    new RegExp(`^\\s*(${number})\\s*$`, 'm').exec(toolResult)?.[1] ??
    null
  );
}

/** One step of a scripted turn, before a wire gives it its shape. */
export type ScriptStep =
  | { kind: 'read'; path: string }
  | { kind: 'edit'; path: string; relative: string; oldText: string; newText: string }
  | { kind: 'write'; path: string; content: string }
  | { kind: 'shell'; command: string }
  | { kind: 'mcp'; server: string; tool: string; input: Readonly<Record<string, unknown>> }
  | { kind: 'text'; text: string };

/**
 * The steps of a scenario's turn: tool steps, then the final text. `workspace` is the agent's
 * working directory (absolute), found in its request; the edit is made there. `readFirst` is
 * for Claude Code's built-in `Edit`, which refuses a file it has not read. `answer` is what the
 * turn's first tool call gave back, as read from the request (`[MCP]` writes it), when it did.
 */
export function stepsOf(
  kind: ScenarioKind,
  script: FakeScript,
  workspace: string,
  readFirst: boolean,
  answer: string | null = null,
): ScriptStep[] {
  const target = `${workspace.replace(/\/+$/, '')}/${script.file}`;
  switch (kind) {
    case 'mcp': {
      const result = answer ?? '(no tool result)';
      return [
        { kind: 'mcp', server: script.mcpServer, tool: script.mcpTool, input: script.mcpInput },
        ...(readFirst ? [{ kind: 'read', path: target } as const] : []),
        {
          kind: 'edit',
          path: target,
          relative: script.file,
          oldText: script.oldText,
          newText: mcpNewText(result),
        },
        { kind: 'text', text: mcpSummary(result) },
      ];
    }
    case 'edit':
      return [
        ...(readFirst ? [{ kind: 'read', path: target } as const] : []),
        {
          kind: 'edit',
          path: target,
          relative: script.file,
          oldText: script.oldText,
          newText: script.newText,
        },
        { kind: 'text', text: script.summary },
      ];
    case 'outside':
      return [
        { kind: 'write', path: script.outsidePath, content: script.outsideContent },
        { kind: 'text', text: 'Tried to write outside the working copy.' },
      ];
    case 'shell':
      return [
        { kind: 'shell', command: script.shellCommand },
        { kind: 'text', text: 'Asked to run a shell command.' },
      ];
    default:
      return [{ kind: 'text', text: 'ok' }];
  }
}

/**
 * Finds the agent's working directory in a request (its system prompt or context names it):
 * the first match of `pattern`, else null.
 */
export function workspaceIn(requestText: string, pattern: RegExp): string | null {
  const match = new RegExp(pattern.source, pattern.flags.replace('g', '')).exec(requestText);
  return match === null ? null : match[0];
}

/** Token counts one reply reports (each wire puts them in its own shape). */
export interface ReplyUsage {
  inputTokens: number;
  outputTokens: number;
}
