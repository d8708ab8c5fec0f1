import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { packageRoot, removeTemporaryDirectories, runMain, temporaryDirectory } from '../test/helpers.ts';

afterEach(removeTemporaryDirectories);

const packageVersion = (
  JSON.parse(await readFile(path.join(packageRoot, 'package.json'), 'utf8')) as { version: string }
).version;

describe('main', () => {
  it.each([['--version'], ['-v']])('%s prints the package version', async (flag) => {
    const run = await runMain([flag], { cwd: await temporaryDirectory() });
    expect(run).toEqual({ code: 0, stdout: `${packageVersion}\n`, stderr: '' });
  });

  describe('help', () => {
    it.each([[[]], [['--help']], [['-h']], [['help']]])(
      'goosuke %j lists the commands, flags and exit codes',
      async (argv) => {
        const run = await runMain(argv, { cwd: await temporaryDirectory() });
        expect(run.code).toBe(0);
        expect(run.stderr).toBe('');
        expect(run.stdout).toMatch(/^goosuke: /);
        expect(run.stdout).toMatch(/^ {2}patch apply +Apply a patch/m);
        expect(run.stdout).toMatch(/^ {2}models add +Store a model profile/m);
        expect(run.stdout).toMatch(/^ {2}models list +List the stored model profiles/m);
        expect(run.stdout).toMatch(/^ {2}models remove +Remove a model profile/m);
        expect(run.stdout).toMatch(/^ {2}3 +configuration error: set what the message names/m);
        expect(run.stdout).toMatch(/^ {2}-h, --help +Show this help\.$/m);
        expect(run.stdout).toMatch(/^ {2}-v, --version +Print the version/m);
        for (const code of [0, 1, 2, 3, 69, 70, 74, 75, 77, 130]) {
          expect(run.stdout).toMatch(new RegExp(`^ {2}${code} +\\S`, 'm'));
        }
        expect(run.stdout).toContain('GOOSUKE_DEBUG=1');
      },
    );

    it.each([[['patch', '--help']], [['patch']], [['help', 'patch']]])(
      'goosuke %j lists the patch commands',
      async (argv) => {
        const run = await runMain(argv, { cwd: await temporaryDirectory() });
        expect(run.code).toBe(0);
        expect(run.stdout).toContain('goosuke patch <command>');
        expect(run.stdout).toMatch(/^ {2}patch apply +Apply a patch/m);
      },
    );

    it.each([
      [['patch', 'apply', '--help']],
      [['patch', 'apply', '-h']],
      [['help', 'patch', 'apply']],
      [['patch', 'apply', '--bogus', '--help']],
    ])('goosuke %j describes every flag and exit code of patch apply', async (argv) => {
      const run = await runMain(argv, { cwd: await temporaryDirectory() });
      expect(run.code).toBe(0);
      expect(run.stderr).toBe('');
      const help = run.stdout;
      expect(help).toContain('goosuke patch apply [options] FILE|-');
      expect(help).toMatch(/^ {2}FILE\|- +The patch or model reply to read \(relative to the current/m);
      expect(help).toMatch(/^ {6}--dir DIR +Directory to apply/m);
      expect(help).toMatch(/^ {6}--check +Report what would change/m);
      expect(help).toMatch(/^ {6}--forbid GLOB\.\.\. +Refuse edits/m);
      expect(help).toMatch(/^ {6}--json +Print one JSON document/m);
      expect(help).toMatch(/^ {2}-h, --help +Show this help\.$/m);
      // --forbid adds to the defaults, and the help says which they are.
      const flowing = help.replace(/\s+/g, ' ');
      expect(flowing).toContain(
        'Adds to the default forbidden paths, which always apply: .git .git/** .env*',
      );
      for (const code of [0, 1, 2, 74, 70]) expect(help).toMatch(new RegExp(`^ {2}${code} +[A-Z]`, 'm'));
      for (const line of help.split('\n')) expect(line.length).toBeLessThanOrEqual(80);
    });
  });

  describe('models help', () => {
    it.each([[['models']], [['models', '--help']], [['help', 'models']]])(
      'goosuke %j lists the models commands',
      async (argv) => {
        const run = await runMain(argv, { cwd: await temporaryDirectory() });
        expect(run.code).toBe(0);
        expect(run.stdout).toContain('goosuke models <command>');
        for (const name of ['add', 'list', 'remove'])
          expect(run.stdout).toMatch(new RegExp(`^ {2}models ${name} +`, 'm'));
      },
    );

    it.each([
      [
        ['models', 'add', '--help'],
        'goosuke models add [options]',
        [
          '--provider PROVIDER',
          '--model NAME',
          '--name DISPLAY',
          '--base-url URL',
          '--api-key-env VAR',
          '--api-key-stdin',
          '--json',
        ],
      ],
      [['models', 'list', '-h'], 'goosuke models list [options]', ['--json']],
      [['help', 'models', 'remove'], 'goosuke models remove [options] ID|NAME', []],
    ])('goosuke %j describes the command, its flags and exit codes', async (argv, usage, flags) => {
      // No GOOSUKE_SECRET_KEY: help needs no configuration.
      const run = await runMain(argv, { cwd: await temporaryDirectory() });
      expect(run.code).toBe(0);
      expect(run.stderr).toBe('');
      expect(run.stdout).toContain(usage);
      for (const flag of flags) expect(run.stdout).toMatch(new RegExp(`^ {6}${flag} +[A-Z]`, 'm'));
      for (const code of [0, 2, 3]) expect(run.stdout).toMatch(new RegExp(`^ {2}${code} +[A-Z]`, 'm'));
      for (const line of run.stdout.split('\n')) expect(line.length).toBeLessThanOrEqual(80);
    });
  });

  describe('unexpected errors', () => {
    const brokenStdin: AsyncIterable<Uint8Array> = {
      [Symbol.asyncIterator]() {
        return {
          next: () => Promise.reject(new TypeError('stdin exploded\n  in a way nobody planned')),
        };
      },
    };

    it('print one line without a stack and exit 70', async () => {
      const run = await runMain(['patch', 'apply', '-'], {
        cwd: await temporaryDirectory(),
        stdin: brokenStdin,
      });
      expect(run.code).toBe(70);
      expect(run.stdout).toBe('');
      expect(run.stderr).toBe(
        'goosuke: internal error: stdin exploded in a way nobody planned (set GOOSUKE_DEBUG=1 for the stack trace)\n',
      );
    });

    it('print the stack when GOOSUKE_DEBUG=1', async () => {
      const run = await runMain(['patch', 'apply', '-'], {
        cwd: await temporaryDirectory(),
        stdin: brokenStdin,
        env: { GOOSUKE_DEBUG: '1' },
      });
      expect(run.code).toBe(70);
      const [first, ...rest] = run.stderr.split('\n');
      expect(first).toBe('goosuke: internal error: stdin exploded in a way nobody planned');
      expect(rest.join('\n')).toMatch(/TypeError: stdin exploded[\s\S]*\n\s+at /);
    });
  });
});
