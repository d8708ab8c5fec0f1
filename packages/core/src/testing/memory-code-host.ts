import type { HostedRepository } from '../domain/index.ts';
import { ConflictError, GoosukeError, InvalidInputError, NotFoundError } from '../errors/index.ts';
import type { CodeHost, HostedPullRequest, PullRequestTemplate } from '../ports/index.ts';

/** Options of {@link createMemoryCodeHost}. */
export interface MemoryCodeHostOptions {
  /** Where pull request pages and clone URLs point; default `https://code.example.test`. */
  baseUrl?: string;
  /** What `getGitAuth` returns; default `{ username: 'x-access-token', token: 'memory-token' }`. */
  gitAuth?: { username: string; token: string };
}

/** A repository of a {@link MemoryCodeHost}, as tests set it up. */
export interface MemoryCodeHostRepository {
  /** `owner/name`. */
  fullName: string;
  /** Default `main`. */
  defaultBranch?: string;
  /** Default false. */
  private?: boolean;
  /** Files of the default branch, path to text. */
  files?: Record<string, string>;
  /** More branches, made from the default branch. */
  branches?: string[];
}

/** A {@link CodeHost} in memory, with the controls a test needs to set the scene. */
export interface MemoryCodeHost extends CodeHost {
  /** Adds a repository the credentials reach. ConflictError when it exists. */
  addRepository(repository: MemoryCodeHostRepository): void;
  /** Makes branch `branch` from the default branch of `fullName` (its files as they are now). */
  addBranch(fullName: string, branch: string): void;
  /** Writes a file on `branch` (default: the default branch) of `fullName`. */
  setFile(fullName: string, path: string, content: string, branch?: string): void;
  /** Marks an open pull request merged. */
  mergePullRequest(fullName: string, number: number): void;
  /** Every pull request of `fullName`, oldest first (copies). */
  pullRequests(fullName: string): HostedPullRequest[];
  /** Makes the next call (any method) answer `ms` late; an abort still ends it at once. */
  delayNextAnswer(ms: number): void;
  /** How many times `getGitAuth` was asked for fresh credentials. */
  freshGitAuthCount(): number;
}

interface StoredRepository {
  hosted: HostedRepository;
  /** Branch name to its files. */
  branches: Map<string, Map<string, string>>;
  pulls: HostedPullRequest[];
}

const repositoryPattern = /^([A-Za-z0-9-]+)\/([A-Za-z0-9._-]+)$/;
const templateFileName = /^pull_request_template\.(md|txt)$/i;

/**
 * A CodeHost held in memory, for tests of services that open pull requests, read templates and
 * ask for git credentials without a network. It holds the CodeHost contract as
 * `describeCodeHostConformance` states it (core runs that suite on it):
 * - `repository` must be `owner/name` (InvalidInputError otherwise); an unknown repository is
 *   NotFoundError, a missing pull request null (`getPullRequest`) or NotFoundError (`updatePullRequest`).
 * - A pull request needs an existing head branch other than its base, and an existing base
 *   (InvalidInputError, as GitHub's 422); a second open one for the same head is a ConflictError,
 *   as is reopening one while another for its head is open; a merged one cannot be reopened.
 * - `findPullRequest` returns the newest open one for the head, then (with `state: 'all'`) the
 *   newest other one; default `state: 'open'`. Templates follow GitHub's order of precedence.
 * - An aborted signal rejects every call with a `canceled` GoosukeError, before any change.
 */
export function createMemoryCodeHost(options: MemoryCodeHostOptions = {}): MemoryCodeHost {
  const baseUrl = (options.baseUrl ?? 'https://code.example.test').replace(/\/+$/, '');
  const gitAuth = options.gitAuth ?? { username: 'x-access-token', token: 'memory-token' };
  const repositories = new Map<string, StoredRepository>();
  let nextDelayMs = 0;
  let freshAuth = 0;

  /** Waits out a requested delay and honours the signal; every method starts with it. */
  const answer = async (signal: AbortSignal | undefined): Promise<void> => {
    throwIfCanceled(signal);
    const delay = nextDelayMs;
    nextDelayMs = 0;
    if (delay > 0) await sleepUnlessAborted(delay, signal);
  };

  const repositoryOf = (fullName: string): StoredRepository => {
    if (typeof fullName !== 'string' || !repositoryPattern.test(fullName)) {
      throw new InvalidInputError(`the repository must be "owner/name", got ${JSON.stringify(fullName)}`, [
        { path: ['repository'], message: 'must be "owner/name"' },
      ]);
    }
    const stored = repositories.get(fullName);
    if (stored === undefined) throw new NotFoundError('repository', fullName);
    return stored;
  };

  const pullOf = (stored: StoredRepository, number: number): HostedPullRequest | null =>
    stored.pulls.find((pull) => pull.number === number) ?? null;

  const openFor = (stored: StoredRepository, head: string, except?: number): HostedPullRequest | undefined =>
    stored.pulls.find((pull) => pull.head === head && pull.state === 'open' && pull.number !== except);

  const addBranch = (fullName: string, branch: string): void => {
    const stored = repositoryOf(fullName);
    if (stored.branches.has(branch)) throw new ConflictError(`the branch ${branch} exists`);
    stored.branches.set(branch, new Map(stored.branches.get(stored.hosted.defaultBranch)));
  };

  return {
    async listRepositories(listOptions) {
      await answer(listOptions?.signal);
      return [...repositories.values()].map((stored) => ({ ...stored.hosted }));
    },

    async listBranches({ repository, signal }) {
      await answer(signal);
      return [...repositoryOf(repository).branches.keys()];
    },

    async createPullRequest({ repository, head, base, title, body, draft, signal }) {
      await answer(signal);
      const stored = repositoryOf(repository);
      if (!stored.branches.has(head)) throw refused(`the head branch ${head} does not exist`, 'head');
      if (!stored.branches.has(base)) throw refused(`the base branch ${base} does not exist`, 'base');
      if (head === base) throw refused(`the head and base branches are both ${head}`, 'head');
      const open = openFor(stored, head);
      if (open !== undefined) {
        throw new ConflictError(`a pull request for ${head} is already open: #${open.number}`);
      }
      const number = stored.pulls.length + 1;
      const pull: HostedPullRequest = {
        number,
        url: `${baseUrl}/${repository}/pull/${number}`,
        title,
        body,
        head,
        base,
        state: 'open',
        draft: draft ?? false,
      };
      stored.pulls.push(pull);
      return { ...pull };
    },

    async updatePullRequest({ repository, number, title, body, state, signal }) {
      await answer(signal);
      const stored = repositoryOf(repository);
      const pull = pullOf(stored, number);
      if (pull === null) throw new NotFoundError('pull request', `${repository}#${number}`);
      if (state === 'open' && pull.state !== 'open') {
        if (pull.state === 'merged') throw refused(`pull request #${number} is merged`, 'state');
        const other = openFor(stored, pull.head, number);
        if (other !== undefined) {
          throw new ConflictError(`a pull request for ${pull.head} is already open: #${other.number}`);
        }
      }
      if (state === 'closed' && pull.state === 'merged') {
        throw refused(`pull request #${number} is merged`, 'state');
      }
      if (title !== undefined) pull.title = title;
      if (body !== undefined) pull.body = body;
      if (state !== undefined) pull.state = state;
      return { ...pull };
    },

    async getPullRequest({ repository, number, signal }) {
      await answer(signal);
      const pull = pullOf(repositoryOf(repository), number);
      return pull === null ? null : { ...pull };
    },

    async findPullRequest({ repository, head, state, signal }) {
      await answer(signal);
      const newestFirst = [...repositoryOf(repository).pulls].reverse().filter((pull) => pull.head === head);
      const found =
        newestFirst.find((pull) => pull.state === 'open') ?? (state === 'all' ? newestFirst[0] : undefined);
      return found === undefined ? null : { ...found };
    },

    async getPullRequestTemplates({ repository, ref, signal }) {
      await answer(signal);
      const stored = repositoryOf(repository);
      const files = stored.branches.get(ref ?? stored.hosted.defaultBranch);
      return files === undefined ? [] : templatesOf(files);
    },

    async getGitAuth({ repository, signal, fresh }) {
      await answer(signal);
      repositoryOf(repository);
      if (fresh === true) freshAuth++;
      return { ...gitAuth };
    },

    addRepository(repository) {
      if (repositories.has(repository.fullName)) {
        throw new ConflictError(`the repository ${repository.fullName} exists`);
      }
      const defaultBranch = repository.defaultBranch ?? 'main';
      const stored: StoredRepository = {
        hosted: {
          fullName: repository.fullName,
          cloneUrl: `${baseUrl}/${repository.fullName}.git`,
          defaultBranch,
          private: repository.private ?? false,
        },
        branches: new Map([[defaultBranch, new Map(Object.entries(repository.files ?? {}))]]),
        pulls: [],
      };
      repositories.set(repository.fullName, stored);
      for (const branch of repository.branches ?? []) addBranch(repository.fullName, branch);
    },

    addBranch,

    setFile(fullName, path, content, branch) {
      const stored = repositoryOf(fullName);
      const files = stored.branches.get(branch ?? stored.hosted.defaultBranch);
      if (files === undefined) throw new NotFoundError('branch', `${fullName}:${branch}`);
      files.set(path, content);
    },

    mergePullRequest(fullName, number) {
      const pull = pullOf(repositoryOf(fullName), number);
      if (pull?.state !== 'open') throw new ConflictError(`pull request #${number} is not open`);
      pull.state = 'merged';
    },

    pullRequests(fullName) {
      return repositoryOf(fullName).pulls.map((pull) => ({ ...pull }));
    },

    delayNextAnswer(ms) {
      nextDelayMs = ms;
    },

    freshGitAuthCount: () => freshAuth,
  };
}

/** The templates among `files`, in GitHub's order of precedence (see `CodeHost.getPullRequestTemplates`). */
function templatesOf(files: ReadonlyMap<string, string>): PullRequestTemplate[] {
  const inFolder = (folder: string | null, name: RegExp): string[] =>
    [...files.keys()]
      .filter((path) => {
        const slash = path.lastIndexOf('/');
        const directory = slash === -1 ? null : path.slice(0, slash);
        const sameFolder =
          folder === null ? directory === null : directory?.toLowerCase() === folder.toLowerCase();
        return sameFolder && name.test(path.slice(slash + 1));
      })
      .sort(byExtensionThenName);
  const paths = [
    ...inFolder('.github', templateFileName),
    ...inFolder(null, templateFileName),
    ...inFolder('docs', templateFileName),
    ...inFolder('.github/PULL_REQUEST_TEMPLATE', /\.md$/i).sort(),
  ];
  return paths.map((path) => ({ path, content: files.get(path)! }));
}

/** `.md` before `.txt`, then by name. */
function byExtensionThenName(a: string, b: string): number {
  const rank = (name: string) => (name.toLowerCase().endsWith('.md') ? 0 : 1);
  return rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0);
}

function refused(message: string, field: string): InvalidInputError {
  return new InvalidInputError(message, [{ path: [field], message }]);
}

function throwIfCanceled(signal: AbortSignal | undefined): void {
  if (signal?.aborted) {
    throw new GoosukeError('canceled', 'the code host call was canceled', { cause: signal.reason });
  }
}

function sleepUnlessAborted(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(new GoosukeError('canceled', 'the code host call was canceled', { cause: signal?.reason }));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
