import type { JsonObject } from '../domain/index.ts';
import { matchesGlob } from '../edits/glob.ts';
import { checkEditPath, normalizeWorkspacePath } from '../edits/index.ts';
import type { Workspace } from '../ports/workspace.ts';
import { isBinaryPath, looksBinary } from './context/file-kinds.ts';
import type { AgentTool } from './tool-loop.ts';

/** Options of {@link createRepositoryTools}. */
export interface RepositoryToolOptions {
  workspace: Workspace;
  /** Paths the tools never read (the agent's forbidden paths: secrets, `.git`). */
  forbiddenPaths: readonly string[];
  /** Files larger than this are not read; default 200,000 characters. */
  maxFileChars?: number;
}

/** Lines `read_file` returns at most per call. */
const maxReadLines = 2_000;
/** Matches `search_files` returns at most per call. */
const maxMatches = 200;

type ToolResult = { text: string; isError: boolean };
const fail = (text: string): ToolResult => ({ text, isError: true });

/**
 * The edit agent's read-only repository tools, on the run's working copy at its base:
 * `read_file` (a file, or a range of its lines, numbered) and `search_files` (lines matching a
 * regular expression, optionally in paths matching a glob). Neither reads a forbidden path, a
 * binary file or one over `maxFileChars`; none writes anything.
 */
export function createRepositoryTools(options: RepositoryToolOptions): AgentTool[] {
  const { workspace, forbiddenPaths } = options;
  const maxFileChars = options.maxFileChars ?? 200_000;
  const readable = async (raw: unknown): Promise<{ path: string; content: string } | ToolResult> => {
    if (typeof raw !== 'string' || raw.trim() === '') return fail('path must be a relative file path');
    let path: string;
    try {
      path = normalizeWorkspacePath(raw.trim());
    } catch {
      return fail(`${raw} is not a path inside the repository`);
    }
    if (!checkEditPath(path, forbiddenPaths).ok) return fail(`${path} may not be read`);
    if (isBinaryPath(path)) return fail(`${path} is a binary file`);
    const content = await workspace.readFile(path);
    if (content === null) return fail(`${path} does not exist`);
    if (looksBinary(content)) return fail(`${path} is a binary file`);
    if (content.length > maxFileChars) {
      return fail(`${path} has ${content.length} characters, more than ${maxFileChars}: read it by lines`);
    }
    return { path, content };
  };

  const readFile: AgentTool = {
    kind: 'read',
    origin: null,
    spec: {
      name: 'read_file',
      description: `Reads a file of the repository (as it was before your edits), with line numbers. Give startLine and endLine for part of a large file (at most ${maxReadLines} lines per call).`,
      inputSchema: {
        type: 'object',
        properties: {
          path: { type: 'string', description: 'The file, relative to the repository root.' },
          startLine: { type: 'integer', minimum: 1 },
          endLine: { type: 'integer', minimum: 1 },
        },
        required: ['path'],
      },
    },
    async call(args: JsonObject) {
      const file = await readable(args.path);
      if ('isError' in file) return file;
      const lines = file.content.split('\n');
      const start = typeof args.startLine === 'number' ? Math.max(1, Math.floor(args.startLine)) : 1;
      const end = Math.min(
        lines.length,
        typeof args.endLine === 'number' ? Math.floor(args.endLine) : lines.length,
        start + maxReadLines - 1,
      );
      if (start > lines.length) return fail(`${file.path} has ${lines.length} lines`);
      const body = lines
        .slice(start - 1, end)
        .map((line, index) => `${start + index}\t${line}`)
        .join('\n');
      const more = end < lines.length ? `\n[lines ${end + 1}-${lines.length} not shown]` : '';
      return {
        text: `${file.path} (lines ${start}-${end} of ${lines.length})\n${body}${more}`,
        isError: false,
      };
    },
  };

  const searchFiles: AgentTool = {
    kind: 'search',
    origin: null,
    spec: {
      name: 'search_files',
      description: `Searches the repository's text files for lines matching a regular expression (JavaScript syntax, case-sensitive unless ignoreCase). Returns path:line: text, at most ${maxMatches} matches.`,
      inputSchema: {
        type: 'object',
        properties: {
          pattern: { type: 'string', description: 'A regular expression.' },
          glob: { type: 'string', description: 'Only paths matching this glob, e.g. src/**/*.ts.' },
          ignoreCase: { type: 'boolean' },
        },
        required: ['pattern'],
      },
    },
    async call(args: JsonObject, signal?: AbortSignal) {
      if (typeof args.pattern !== 'string' || args.pattern === '' || args.pattern.length > 1_000) {
        return fail('pattern must be a regular expression of 1 to 1000 characters');
      }
      let expression: RegExp;
      try {
        expression = new RegExp(args.pattern, args.ignoreCase === true ? 'i' : '');
      } catch (error) {
        return fail(`pattern is not a valid regular expression: ${(error as Error).message}`);
      }
      const glob = typeof args.glob === 'string' && args.glob !== '' ? args.glob : null;
      const matches: string[] = [];
      let files = 0;
      for (const path of await workspace.listFiles(signal === undefined ? {} : { signal })) {
        if (glob !== null && !matchesGlob(path, glob)) continue;
        if (isBinaryPath(path) || !checkEditPath(path, forbiddenPaths).ok) continue;
        signal?.throwIfAborted();
        const content = await workspace.readFile(path);
        if (content === null || content.length > maxFileChars || looksBinary(content)) continue;
        files++;
        const lines = content.split('\n');
        for (const [index, line] of lines.entries()) {
          if (!expression.test(line)) continue;
          matches.push(`${path}:${index + 1}: ${line.length > 300 ? `${line.slice(0, 300)}…` : line}`);
          if (matches.length >= maxMatches) break;
        }
        if (matches.length >= maxMatches) break;
      }
      if (matches.length === 0) return { text: `no line matches in ${files} files`, isError: false };
      const cut =
        matches.length >= maxMatches ? `\n[stopped at ${maxMatches} matches: narrow the search]` : '';
      return { text: `${matches.join('\n')}${cut}`, isError: false };
    },
  };
  return [readFile, searchFiles];
}
