import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { applyEdits, defaultForbiddenPaths, InvalidInputError, parseEdits } from '@goosuke/core';
import { createDirectoryWorkspace } from '@goosuke/git-isomorphic';
import { type CliIo, readAllText } from '../cli-io.ts';
import { exitCodes, exitCodeTable } from '../exit-codes.ts';
import { defineCommand } from './command.ts';
import { applyReport, noEditReport, type PatchReport, renderPatchReport } from './patch-report.ts';

const helpHint = 'see goosuke patch apply --help';

/**
 * `goosuke patch apply [--dir DIR] [--check] [--forbid GLOB]... [--json] FILE|-`: applies a patch or a
 * whole model reply to DIR through the edit engine and a directory workspace, all files or none.
 */
export const patchApplyCommand = defineCommand({
  name: 'apply',
  summary: 'Apply a patch or a model reply to a directory, all files or none.',
  description: [
    'Reads FILE, or stdin for -, and applies the edits in it to DIR. FILE may be a bare patch or a whole',
    'model reply: prose with fenced blocks holding unified diffs (git-style or plain ---/+++),',
    'SEARCH/REPLACE blocks, apply_patch envelopes (*** Begin Patch) or whole files.',
    '',
    'Each hunk is located by its content, not its line numbers, through a ladder of match tiers:',
    'exact, trailing-whitespace, whitespace, indentation, then a fuzzy match that must be unique.',
    'The report shows, for each file, its operation (A added, M modified, D deleted, R renamed,',
    '= already applied), the lines added and removed and the tiers used.',
    '',
    'If any edit does not apply, nothing is written: each failure is printed on stdout with the',
    'closest region of the file and its line numbers, and a one-line summary goes to stderr.',
  ].join('\n'),
  arguments: [
    {
      name: 'FILE|-',
      description: 'The patch or model reply to read (relative to the current directory); - reads stdin.',
    },
  ],
  options: {
    dir: {
      type: 'string',
      valueName: 'DIR',
      description: 'Directory to apply the edits in (default: the current directory).',
    },
    check: {
      type: 'boolean',
      description: 'Report what would change without writing anything.',
    },
    forbid: {
      type: 'string',
      multiple: true,
      valueName: 'GLOB',
      description: `Refuse edits to paths matching GLOB; repeatable. Adds to the default forbidden paths, which always apply: ${defaultForbiddenPaths.join(' ')}`,
    },
    json: {
      type: 'boolean',
      description:
        'Print one JSON document on stdout instead of the text report: { ok, check, written, source, summary, formats, files, failures, problems }. Nothing else is printed on stdout.',
    },
  },
  exitCodes: [
    [exitCodes.success, 'Applied (with --check: would apply), or every edit was already applied.'],
    [
      exitCodes.failure,
      'No edit was found, or an edit did not apply or was refused (a forbidden path, a path that climbs out of DIR with ..); nothing was changed.',
    ],
    [
      exitCodes.usage,
      'Usage error (unknown flag, missing FILE, FILE or DIR not found), or an edit would write through a symbolic link to outside DIR; nothing was changed.',
    ],
    [exitCodes.internal, 'Internal error (a bug); rerun with GOOSUKE_DEBUG=1 and report it.'],
    [exitCodeTable.storage.exitCode, 'Writing failed; every file was restored as it was.'],
  ],

  async run({ io, options, positionals }) {
    if (positionals.length === 0) {
      throw new InvalidInputError(`patch apply needs a FILE (or - for stdin); ${helpHint}`);
    }
    if (positionals.length > 1) {
      throw new InvalidInputError(
        `patch apply takes one FILE but was given ${positionals.length} (${positionals.join(' ')}); ${helpHint}`,
      );
    }
    const source = positionals[0]!;
    const check = options.check === true;
    const forbid = options.forbid ?? [];
    if (forbid.some((glob) => glob.trim() === '')) {
      throw new InvalidInputError(`--forbid needs a non-empty GLOB; ${helpHint}`);
    }
    const directory = await openDirectory(io.cwd, options.dir);
    const text = await readSource(io, source);

    const parsed = parseEdits(text);
    if (parsed.edits.length === 0) {
      return finish(io, options.json === true, noEditReport(source, parsed, check));
    }
    const workspace = createDirectoryWorkspace({ root: directory });
    const result = await applyEdits({
      // The text, not parsed.edits: the engine then counts a block it could not read as a failure,
      // so a reply is applied whole or not at all, never minus an unreadable block.
      edits: text,
      readFile: (file) => workspace.readFile(file),
      forbiddenPaths: [...defaultForbiddenPaths, ...forbid],
    });
    const written = result.ok && !check && result.changes.length > 0;
    if (written) await workspace.writeFiles(result.changes);
    return finish(io, options.json === true, applyReport({ source, parsed, result, check, written }));
  },
});

/** Prints a report (text or JSON) and returns the exit code it stands for. */
function finish(io: CliIo, json: boolean, report: PatchReport): number {
  if (json) {
    io.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  } else {
    io.stdout.write(renderPatchReport(report));
    if (!report.ok) io.stderr.write(`goosuke: ${report.summary}\n`);
  }
  return report.ok ? exitCodes.success : exitCodes.failure;
}

async function openDirectory(cwd: string, dir: string | undefined): Promise<string> {
  const directory = path.resolve(cwd, dir ?? '.');
  let isDirectory: boolean;
  try {
    isDirectory = (await stat(directory)).isDirectory();
  } catch {
    throw new InvalidInputError(`--dir ${dir ?? '.'} does not exist; give an existing directory`);
  }
  if (!isDirectory)
    throw new InvalidInputError(`--dir ${dir} is not a directory; give the directory to apply in`);
  return directory;
}

async function readSource(io: CliIo, source: string): Promise<string> {
  let text: string;
  if (source === '-') {
    text = await readAllText(io.stdin);
  } else {
    try {
      text = await readFile(path.resolve(io.cwd, source), 'utf8');
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT')
        throw new InvalidInputError(
          `patch file ${source} does not exist; check the path, or give - to read stdin`,
        );
      if (code === 'EISDIR')
        throw new InvalidInputError(
          `${source} is a directory; give the patch FILE to read (DIR goes after --dir)`,
        );
      throw new InvalidInputError(`cannot read patch file ${source} (${code ?? String(error)})`, [], {
        cause: error,
      });
    }
  }
  // A byte-order mark would hide the first line (a diff header or a fence) from the parser.
  return text.startsWith('\uFEFF') ? text.slice(1) : text;
}
