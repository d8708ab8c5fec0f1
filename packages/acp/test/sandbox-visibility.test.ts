// What the agent sees of the host under the bubblewrap sandbox, with real bwrap, git and
// processes: hidden directories and files, paths shown again (read-only) inside them, and git
// working in a linked worktree whose clone lives in a hidden data directory.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, realpath, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import {
  type AcpAgentOptions,
  type BubblewrapSandboxOptions,
  createAcpAgent,
  createBubblewrapSandbox,
} from '@goosuke/acp';
import type { Workspace } from '@goosuke/core';
import { createDirectoryWorkspace, createIsomorphicGitBackend } from '@goosuke/git-isomorphic';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  dataOf,
  type EmittedEvent,
  fakeAgentPath,
  inputFor,
  killLeftovers,
  makeScratch,
  missingNote,
  processesUnder,
  type Scratch,
  sandboxed,
  summaryOf,
} from './support.ts';

// PATH: the GIT= keyword runs `git` by name.
const baseEnv = { LANG: 'C.UTF-8', PATH: '/usr/bin:/bin' };
const agentWith = (sandbox: BubblewrapSandboxOptions, options: Partial<AcpAgentOptions> = {}) =>
  createAcpAgent({
    command: process.execPath,
    args: [fakeAgentPath],
    env: baseEnv,
    sandbox: createBubblewrapSandbox(sandbox),
    ...options,
  });

let scratch: Scratch;
let runs: EmittedEvent[][] = [];
const copies: string[] = [];
beforeEach(async () => {
  scratch = await makeScratch();
});
afterEach(async (context) => {
  if (context.task.result?.state === 'fail') {
    const leftovers = [scratch.root, ...copies];
    killLeftovers(runs.flat(), (await Promise.all(leftovers.map(processesUnder))).flat());
  }
  runs = [];
  copies.length = 0;
  await scratch.cleanup();
});
const runInput = (...args: Parameters<typeof inputFor>) => {
  const made = inputFor(...args);
  runs.push(made.events);
  return made;
};
/** What the fake agent reported reading `target`: its content as JSON, or an error code. */
const readResult = (summary: string, target: string) =>
  new RegExp(`read:${target.replaceAll(/[.*+?^${}()|[\]\\]/g, '\\$&')}=("(?:[^"\\\\]|\\\\.)*"|\\S+)`).exec(
    summary,
  )?.[1];
/** Writes `files` (absolute path → content), parents made. */
async function plant(files: Record<string, string>): Promise<void> {
  for (const [file, content] of Object.entries(files)) {
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, content);
  }
}
const git = (cwd: string, args: string[]) =>
  execFileSync('git', args, {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, GIT_CONFIG_NOSYSTEM: '1', HOME: scratch.dir },
  });

sandboxed(`in the bubblewrap sandbox, hidden paths${missingNote}`, () => {
  it('hides a directory and a single file (also named through a link), and the agent still starts', async () => {
    const data = path.join(scratch.dir, 'data');
    const database = path.join(data, 'goosuke.db');
    const envFile = path.join(scratch.dir, '.env');
    await plant({ [database]: 'sealed keys\n', [envFile]: 'OPENAI_API_KEY=sk-host\n' });
    await symlink(envFile, path.join(scratch.dir, 'env-link'));
    const outside = path.join(scratch.dir, 'outside.txt');

    const { input, events } = runInput(
      `DIRECT READ=${database},${envFile},${outside} OUTSIDE=${envFile},${path.join(data, 'planted.txt')}`,
      scratch.workspace,
    );
    const outcome = await agentWith({
      hiddenPaths: [data, path.join(scratch.dir, 'env-link'), path.join(scratch.dir, 'missing')],
    }).run(input);

    expect(outcome.status).toBe('succeeded');
    expect(await scratch.workspace.readFile('direct.txt')).toBe('written by the agent itself\n');
    const summary = summaryOf(outcome);
    expect(readResult(summary, database)).toBe('ENOENT');
    // /dev/null on a nodev mount: it cannot even be opened.
    expect(readResult(summary, envFile)).toMatch(/^E[A-Z]+$/);
    expect(summary).not.toContain('sk-host');
    // What is not hidden still reads.
    expect(readResult(summary, outside)).toBe(JSON.stringify('not the agent’s\n'));
    // The hidden file cannot be written; a hidden directory is an empty tmpfs of the sandbox's
    // own, so what the agent writes there never reaches the host.
    expect(summary).toMatch(/outside-failed=E[A-Z]+/);
    expect(await readFile(envFile, 'utf8')).toBe('OPENAI_API_KEY=sk-host\n');
    expect(existsSync(path.join(data, 'planted.txt'))).toBe(false);

    const [report] = dataOf(events, 'sandbox');
    expect(report?.hidden).toEqual([expect.stringMatching(/\/goosuke-agents-\d+$/), data, envFile]);
    expect(report?.visible).toEqual([]);
    expect(report?.gitDirs).toBeNull();
  });

  it('shows visible paths inside a hidden directory read-only, and a hidden path inside them stays hidden', async () => {
    const hostHome = path.join(scratch.dir, 'home-u');
    const tools = path.join(hostHome, '.local', 'tools');
    const launchTools = path.join(hostHome, 'agent');
    const files = {
      key: path.join(hostHome, '.ssh', 'id_ed25519'),
      tool: path.join(tools, 'bin', 'tool.txt'),
      toolSecret: path.join(tools, 'token.txt'),
      agent: path.join(launchTools, 'agent.txt'),
    };
    await plant({
      [files.key]: 'PRIVATE KEY\n',
      [files.tool]: 'a tool\n',
      [files.toolSecret]: 'tool token\n',
      [files.agent]: 'the agent\n',
    });
    const { input, events } = runInput(
      `READ=${Object.values(files).join(',')} OUTSIDE=${files.tool},${path.join(tools, 'new.txt')},${files.agent}`,
      scratch.workspace,
    );
    const outcome = await agentWith(
      { hiddenPaths: [hostHome, files.toolSecret], visiblePaths: [tools, path.join(scratch.dir, 'nothing')] },
      // A launch's own visible paths (createAcpAgent's visiblePaths), beside the sandbox's.
      { visiblePaths: [launchTools] },
    ).run(input);

    expect(outcome.status).toBe('succeeded');
    const summary = summaryOf(outcome);
    expect(readResult(summary, files.key)).toBe('ENOENT');
    expect(readResult(summary, files.tool)).toBe(JSON.stringify('a tool\n'));
    expect(readResult(summary, files.agent)).toBe(JSON.stringify('the agent\n'));
    expect(readResult(summary, files.toolSecret)).toMatch(/^E[A-Z]+$/);
    expect(summary).not.toContain('tool token');
    expect(summary.match(/outside-failed=EROFS/g)).toHaveLength(3);
    expect(await readFile(files.tool, 'utf8')).toBe('a tool\n');
    expect(existsSync(path.join(tools, 'new.txt'))).toBe(false);

    const [report] = dataOf(events, 'sandbox');
    expect(report?.hidden).toEqual([expect.any(String), hostHome, files.toolSecret]);
    expect(report?.visible).toEqual([tools, launchTools]);
  });

  it('keeps a path both hidden and visible hidden', async () => {
    const secret = path.join(scratch.dir, 'secrets', 'token.txt');
    await plant({ [secret]: 'token\n' });
    const { input, events } = runInput(`READ=${secret}`, scratch.workspace);
    const outcome = await agentWith(
      { hiddenPaths: [path.dirname(secret)] },
      { visiblePaths: [path.dirname(secret)] },
    ).run(input);
    expect(readResult(summaryOf(outcome), secret)).toBe('ENOENT');
    expect(dataOf(events, 'sandbox')[0]?.visible).toEqual([]);
  });
});

/** A linked worktree of a clone kept in `data` (as Goosuke keeps them), made by one backend. */
type MakeCopy = (source: string, data: string) => Promise<Workspace>;
const gitCli: MakeCopy = async (source, data) => {
  const clone = path.join(data, 'clones', 'repo');
  const copy = path.join(data, 'copies', 'task-1');
  git(data, ['clone', '-q', source, clone]);
  git(clone, ['worktree', 'add', '-q', '-b', 'task-1', copy]);
  return createDirectoryWorkspace({ root: copy });
};
const isomorphic: MakeCopy = async (source, data) => {
  const backend = createIsomorphicGitBackend();
  const repo = await backend.clone({ url: source, dir: path.join(data, 'clones', 'repo') });
  return await backend.createWorkingCopy({
    repo,
    baseRef: 'main',
    branch: 'task-1',
    dir: path.join(data, 'copies', 'task-1'),
    inPlaceWrites: true,
  });
};

sandboxed(`in the bubblewrap sandbox, a linked worktree of a hidden clone${missingNote}`, () => {
  it.each([
    ['git worktree add', gitCli],
    ['@goosuke/git-isomorphic', isomorphic],
  ])('keeps git working in the copy, its git directories read-only (%s)', async (_, makeCopy) => {
    const source = path.join(scratch.dir, 'source');
    await mkdir(source);
    git(scratch.dir, ['init', '-q', '-b', 'main', source]);
    await writeFile(path.join(source, 'readme.md'), 'hello\n');
    git(source, ['add', '-A']);
    git(source, ['-c', 'user.name=Seed', '-c', 'user.email=seed@example.com', 'commit', '-q', '-m', 'seed']);
    const data = path.join(scratch.dir, 'data');
    await plant({ [path.join(data, 'goosuke.db')]: 'sealed keys\n' });
    const workspace = await makeCopy(source, data);
    copies.push(workspace.root);
    const common = await realpath(path.join(data, 'clones', 'repo', '.git'));
    expect(await readFile(path.join(workspace.root, '.git'), 'utf8')).toMatch(/^gitdir: /);

    // A change of the task, for git to see from inside.
    await writeFile(path.join(workspace.root, 'readme.md'), 'hello, agent\n');
    const hook = path.join(common, 'hooks', 'pre-commit');
    const { input, events } = runInput(
      [
        'DIRECT',
        'GIT=status,--short',
        'GIT=log,-1,--format=%s',
        'GIT=diff,--stat,HEAD',
        `READ=${path.join(data, 'goosuke.db')},${path.join(common, 'HEAD')}`,
        `OUTSIDE=${hook},${path.join(common, 'config')}`,
      ].join(' '),
      workspace,
    );
    const outcome = await agentWith({ hiddenPaths: [data] }).run(input);

    expect(outcome.status).toBe('succeeded');
    const summary = summaryOf(outcome);
    expect(summary).toMatch(/git:status --short="[^"]* M readme\.md\\n/);
    expect(summary).toContain('git:log -1 --format=%s="seed\\n"');
    expect(summary).toMatch(/git:diff --stat HEAD=" readme\.md \| 2 \+-/);
    expect(summary).not.toContain('failed(');
    // The rest of the data directory stays hidden; the clone's git directory reads.
    expect(readResult(summary, path.join(data, 'goosuke.db'))).toBe('ENOENT');
    expect(readResult(summary, path.join(common, 'HEAD'))).toBe(JSON.stringify('ref: refs/heads/main\n'));
    // No hook or config planted for Goosuke's own git commands to run outside the sandbox.
    expect(summary.match(/outside-failed=EROFS/g)).toHaveLength(2);
    expect(existsSync(hook)).toBe(false);
    // The agent's own writes landed in the copy, where Goosuke's git sees them.
    expect(git(workspace.root, ['status', '--short'])).toContain('?? direct.txt');

    const [report] = dataOf(events, 'sandbox');
    const gitDirs = report?.gitDirs as { gitDir: string; commonDir: string } | null;
    expect(gitDirs?.commonDir).toBe(common);
    expect(gitDirs?.gitDir.startsWith(`${common}/worktrees/`)).toBe(true);
    expect(report?.visible).toEqual([common, gitDirs?.gitDir]);
    expect(report?.hidden).toEqual([expect.any(String), data]);
  });
});

describe('visible paths are checked', () => {
  it.each<[string, Partial<AcpAgentOptions>, RegExp]>([
    ['a relative visible path', { visiblePaths: ['opt/node'] }, /visiblePaths must be an absolute path/],
    ['showing /', { visiblePaths: ['/usr/..'] }, /visiblePaths cannot show \//],
    ['visible paths not in an array', { visiblePaths: '/opt' as never }, /visiblePaths must be an array/],
  ])('createAcpAgent refuses %s with InvalidInputError', (_, options, message) => {
    expect(() => createAcpAgent({ command: '/bin/agent', unsafeNoSandbox: true, ...options })).toThrow(
      expect.objectContaining({ name: 'InvalidInputError', message: expect.stringMatching(message) }),
    );
  });

  it.each<[string, BubblewrapSandboxOptions, RegExp]>([
    ['a relative visible path', { visiblePaths: ['opt/node'] }, /visiblePaths must be an absolute path/],
    ['showing /', { visiblePaths: ['/'] }, /visiblePaths cannot show \//],
  ])('createBubblewrapSandbox refuses %s with InvalidInputError', (_, options, message) => {
    expect(() => createBubblewrapSandbox(options)).toThrow(
      expect.objectContaining({ name: 'InvalidInputError', message: expect.stringMatching(message) }),
    );
  });
});
