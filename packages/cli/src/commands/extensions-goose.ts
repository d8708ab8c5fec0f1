import { randomUUID } from 'node:crypto';
import { chmod, mkdir, readFile, realpath, rename, stat, unlink, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import path from 'node:path';
import {
  type GooseExportReport,
  type GooseImportedExtension,
  type GooseImportReport,
  GoosukeError,
  InvalidInputError,
} from '@goosuke/core';
import type { CliEnvironment } from '../configuration.ts';
import { readCliConfiguration, withDefaultGoosuke } from '../configuration.ts';
import { exitCodes, exitCodeTable } from '../exit-codes.ts';
import { defineCommand } from './command.ts';

/**
 * Goose's own `config.yaml`, found as Goose finds it (crates/goose/src/config/paths.rs):
 * `$GOOSE_PATH_ROOT/config/config.yaml` when that is an absolute path; on Windows
 * `%APPDATA%\Block\goose\config\config.yaml`; otherwise `$XDG_CONFIG_HOME/goose/config.yaml`
 * (when absolute) or `~/.config/goose/config.yaml`, on macOS too.
 */
export function gooseConfigPath(
  env: CliEnvironment,
  platform: NodeJS.Platform = process.platform,
  home: string = homedir(),
): string {
  const root = env.GOOSE_PATH_ROOT;
  if (root !== undefined && path.isAbsolute(root)) return path.join(root, 'config', 'config.yaml');
  if (platform === 'win32') {
    const appData = env.APPDATA ?? path.join(home, 'AppData', 'Roaming');
    return path.win32.join(appData, 'Block', 'goose', 'config', 'config.yaml');
  }
  const xdg = env.XDG_CONFIG_HOME;
  const base = xdg !== undefined && path.isAbsolute(xdg) ? xdg : path.join(env.HOME ?? home, '.config');
  return path.join(base, 'goose', 'config.yaml');
}

/** The text of `file`, or null when there is none; a GoosukeError saying why it cannot be read. */
async function readConfig(file: string): Promise<string | null> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return null;
    if (code === 'EISDIR')
      throw new InvalidInputError(`${file} is a directory; give the path of config.yaml`);
    throw new GoosukeError('storage', `cannot read ${file} (${code ?? String(error)})`, { cause: error });
  }
}

/** Prefixes the path to an InvalidInputError about the file's content (bad YAML), so that the line has its file. */
function inFile<T>(file: string, work: () => Promise<T>): Promise<T> {
  return work().catch((error: unknown) => {
    if (error instanceof InvalidInputError && error.issues.some((issue) => issue.path[0] === 'config')) {
      throw new InvalidInputError(`${file}: ${error.message}`, error.issues, { cause: error });
    }
    throw error;
  });
}

/**
 * Replaces `file` with `text` atomically: a temporary file beside it, renamed over it, so that a
 * crash leaves the old file or the new one, never half of one. The file keeps its mode (a new
 * one is 0600, as Goose's secrets file is); a symbolic link keeps pointing where it did, and its
 * target is replaced.
 */
async function writeAtomically(file: string, text: string): Promise<void> {
  let target = file;
  let mode = 0o600;
  try {
    target = await realpath(file);
    mode = (await stat(target)).mode & 0o7777;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  }
  const temporary = path.join(path.dirname(target), `.${path.basename(target)}.goosuke-${randomUUID()}.tmp`);
  try {
    await writeFile(temporary, text, { mode, flag: 'wx' });
    // The umask narrowed writeFile's mode: the file's own mode is what it had.
    await chmod(temporary, mode);
    await rename(temporary, target);
  } catch (error) {
    await unlink(temporary).catch(() => undefined);
    throw error;
  }
}

function importedLine(verb: string, item: GooseImportedExtension): string[] {
  const changed = item.changed.length === 0 ? '' : `: ${item.changed.join(', ')}`;
  return [
    `${verb.padEnd(9)} ${item.name}${changed}`,
    ...(item.secretsWithoutValue.length === 0
      ? []
      : [`          secrets to set in Goosuke: ${item.secretsWithoutValue.join(', ')}`]),
    ...item.notes.map((note) => `          ${note}`),
  ];
}

/** The import report as lines for people. */
export function renderImportReport(file: string, report: GooseImportReport): string {
  const lines = [
    `From ${file}:`,
    ...report.added.flatMap((item) => importedLine('added', item)),
    ...report.updated.flatMap((item) => importedLine('updated', item)),
    ...report.unchanged.flatMap((item) => importedLine('unchanged', item)),
    ...report.skipped.map((item) => `${'skipped'.padEnd(9)} ${item.name ?? item.key}: ${item.message}`),
    `${report.added.length} added, ${report.updated.length} updated, ${report.unchanged.length} unchanged, ${report.skipped.length} skipped.`,
  ];
  return `${lines.join('\n')}\n`;
}

/** The export report as lines for people. */
export function renderExportReport(file: string, written: boolean, report: GooseExportReport): string {
  const lines = [
    written ? `Wrote ${file}:` : `Nothing to change in ${file}:`,
    ...report.written.flatMap((item) => [
      `${item.change.padEnd(9)} ${item.name} (${item.key})${item.change === 'updated' ? `: ${item.fields.join(', ')}` : ''}`,
      ...item.skippedFields.map((field) => `          not written: ${field.field}: ${field.reason}`),
    ]),
    ...report.skipped.map((item) => `${'skipped'.padEnd(9)} ${item.name}: ${item.message}`),
  ];
  return `${lines.join('\n')}\n`;
}

const importHint = 'see goosuke extensions import --help';

/** `goosuke extensions import --from-goose [PATH]`. */
export const extensionsImportCommand = defineCommand({
  name: 'import',
  summary: "Import MCP extensions from Goose's config.yaml.",
  description: [
    "Reads Goose's config.yaml (PATH, or Goose's own: $GOOSE_PATH_ROOT/config/config.yaml, else",
    '$XDG_CONFIG_HOME/goose/config.yaml, else ~/.config/goose/config.yaml) and adds or updates, by',
    "name, the stdio, SSE and streamable-HTTP extensions in it. Goose's own (builtin, platform,",
    'frontend, inline_python) and malformed entries are skipped, and so is an extension deleted in',
    'Goosuke, unless --restore-deleted. env_keys become secret variables without a value (Goose',
    'keeps the values in its keyring, which Goosuke cannot read): set them in Goosuke. Values of',
    'envs and headers whose names say they hold credentials are sealed. The file is not changed.',
  ].join('\n'),
  arguments: [{ name: '[PATH]', description: "Goose's config.yaml (default: Goose's own)." }],
  options: {
    'from-goose': { type: 'boolean', description: "Read Goose's config.yaml (the one format there is)." },
    'restore-deleted': {
      type: 'boolean',
      description: 'Also import extensions that were deleted in Goosuke.',
    },
    json: {
      type: 'boolean',
      description: 'Print the report as JSON: { added, updated, unchanged, skipped }.',
    },
  },
  exitCodes: [
    [exitCodes.success, 'Imported (the report says what was skipped and why).'],
    [exitCodes.usage, 'Usage error: --from-goose missing, no such file, not valid YAML (the line is named).'],
    [exitCodes.configuration, 'Configuration error (GOOSUKE_SECRET_KEY missing or weak, bad database URL).'],
    [exitCodeTable.storage.exitCode, 'Reading the file or the database failed.'],
  ],

  async run({ io, options, positionals }) {
    if (options['from-goose'] !== true) {
      throw new InvalidInputError(`extensions import needs --from-goose; ${importHint}`);
    }
    if (positionals.length > 1) {
      throw new InvalidInputError(
        `extensions import takes at most one PATH but was given ${positionals.length}; ${importHint}`,
      );
    }
    const configuration = await readCliConfiguration(io);
    const file =
      positionals[0] === undefined
        ? gooseConfigPath(configuration.env)
        : path.resolve(io.cwd, positionals[0]);
    const text = await readConfig(file);
    if (text === null) {
      throw new InvalidInputError(`${file} does not exist; give the path of Goose's config.yaml`);
    }
    const { importGooseConfig } = await import('@goosuke/adapter-http/goose-config');
    const report = await withDefaultGoosuke(configuration, (goosuke) =>
      inFile(file, () =>
        importGooseConfig(goosuke.extensions, text, { restoreDeleted: options['restore-deleted'] === true }),
      ),
    );
    io.stdout.write(
      options.json === true ? `${JSON.stringify(report, null, 2)}\n` : renderImportReport(file, report),
    );
    return exitCodes.success;
  },
});

const exportHint = 'see goosuke extensions export --help';

/** `goosuke extensions export --to-goose PATH`. */
export const extensionsExportCommand = defineCommand({
  name: 'export',
  summary: 'Write the MCP extensions into a Goose config.yaml.',
  description: [
    "Writes every extension into the Goose config.yaml PATH (created when missing) in Goose's",
    'format: the entry of the same name is updated in place (its other fields kept), others are',
    'added at their Goose key. Secret environment variables are written as names in env_keys, never',
    'a value (give Goose the value in its keyring); secret headers are not written. Everything else',
    "of the file stays as it was: Goose's settings, its other extensions, comments and order. The",
    'file is replaced atomically and keeps its mode.',
  ].join('\n'),
  arguments: [
    { name: 'PATH', description: 'The Goose config.yaml to write, e.g. ~/.config/goose/config.yaml.' },
  ],
  options: {
    'to-goose': { type: 'boolean', description: "Write Goose's config.yaml (the one format there is)." },
    json: {
      type: 'boolean',
      description: 'Print the report as JSON: { file, written, report: { written, skipped } }.',
    },
  },
  exitCodes: [
    [exitCodes.success, 'Written (or nothing to change).'],
    [
      exitCodes.usage,
      'Usage error: --to-goose or PATH missing, the file is not valid YAML (the line is named).',
    ],
    [exitCodes.configuration, 'Configuration error (GOOSUKE_SECRET_KEY missing or weak, bad database URL).'],
    [exitCodeTable.storage.exitCode, 'Reading or writing the file or the database failed.'],
  ],

  async run({ io, options, positionals }) {
    if (options['to-goose'] !== true) {
      throw new InvalidInputError(`extensions export needs --to-goose; ${exportHint}`);
    }
    if (positionals.length !== 1) {
      throw new InvalidInputError(
        `extensions export takes one PATH but was given ${positionals.length}; ${exportHint}`,
      );
    }
    const configuration = await readCliConfiguration(io);
    const file = path.resolve(io.cwd, positionals[0]!);
    const text = await readConfig(file);
    const { exportGooseConfig } = await import('@goosuke/adapter-http/goose-config');
    const { config, report } = await withDefaultGoosuke(configuration, (goosuke) =>
      inFile(file, () => exportGooseConfig(goosuke.extensions, text ?? undefined)),
    );
    const written = text === null ? config !== '' : config !== text;
    if (written) {
      try {
        await writeAtomically(file, config);
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        throw new GoosukeError('storage', `cannot write ${file} (${code ?? String(error)})`, {
          cause: error,
        });
      }
    }
    io.stdout.write(
      options.json === true
        ? `${JSON.stringify({ file, written, report }, null, 2)}\n`
        : renderExportReport(file, written, report),
    );
    return exitCodes.success;
  },
});
