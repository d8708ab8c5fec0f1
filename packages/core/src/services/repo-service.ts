import { z } from 'zod';
import { type Repo, repoSchema } from '../domain/index.ts';
import { NotFoundError } from '../errors/index.ts';
import { isoNow } from '../ports/clock.ts';
import type { CodeHostResolver } from '../ports/code-host.ts';
import type { ListOptions, Page } from '../ports/store.ts';
import { parseInput } from './parse-input.ts';
import type { ServiceContext } from './service-context.ts';

const scpLike = /^[A-Za-z0-9._-]+@[A-Za-z0-9.-]+:[^\s]+$/;

/**
 * A git remote URL: https, http, ssh, git or file URL, scp-like `git@host:owner/name.git`,
 * or an absolute local path. Credentials inside the URL are refused: they would be stored
 * in plain text.
 */
export const gitUrlSchema = z
  .string()
  .trim()
  .min(1)
  .max(2048)
  .superRefine((value, context) => {
    if (scpLike.test(value) || value.startsWith('/')) return;
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      context.addIssue({
        code: 'custom',
        message: 'not a git URL (https://…, ssh://…, git@host:path, file://… or /abs/path)',
      });
      return;
    }
    if (!['https:', 'http:', 'ssh:', 'git:', 'file:'].includes(url.protocol)) {
      context.addIssue({ code: 'custom', message: `unsupported protocol ${url.protocol}` });
    } else if (url.password !== '' || (url.username !== '' && url.protocol !== 'ssh:')) {
      context.addIssue({
        code: 'custom',
        message: 'remove the credentials from the URL; Goosuke authenticates through the code host',
      });
    }
  });

/** Input of {@link RepoService.create}. */
export const createRepoInputSchema = z
  .object({
    url: gitUrlSchema,
    name: repoSchema.shape.name.optional(),
    defaultBranch: repoSchema.shape.defaultBranch.optional(),
    codeHost: repoSchema.shape.codeHost.optional(),
  })
  .strict()
  .meta({ id: 'CreateRepoInput' });
/** Input to register a repository. */
export type CreateRepoInput = z.input<typeof createRepoInputSchema>;

/** Input of {@link RepoService.update}. */
export const updateRepoInputSchema = z
  .object({
    name: repoSchema.shape.name.optional(),
    defaultBranch: repoSchema.shape.defaultBranch.optional(),
    codeHost: repoSchema.shape.codeHost.optional(),
  })
  .strict()
  .meta({ id: 'UpdateRepoInput' });
/** Input to update a repository. */
export type UpdateRepoInput = z.input<typeof updateRepoInputSchema>;

/** Repositories Goosuke works on. */
export interface RepoService {
  /**
   * Registers a repository; ConflictError when its URL is already registered. Without a
   * `codeHost` the URL decides: github.com, or the configured code host (GitHub Enterprise).
   */
  create(input: CreateRepoInput): Promise<Repo>;
  /** NotFoundError when missing. */
  get(id: string): Promise<Repo>;
  list(options?: ListOptions): Promise<Page<Repo>>;
  update(id: string, input: UpdateRepoInput): Promise<Repo>;
  /** NotFoundError when missing. */
  delete(id: string): Promise<void>;
}

/** `owner/name` from a git URL: its last two path segments without `.git`. */
export function repoNameFromUrl(url: string): string {
  const path = url.replace(/^[^@/]+@[^:]+:/, '/').replace(/^[a-z]+:\/\/[^/]*/i, '');
  const segments = path.split(/[/\\]/).filter((segment) => segment !== '');
  const name = segments
    .slice(-2)
    .join('/')
    .replace(/\.git$/, '');
  return name === '' ? url : name;
}

/**
 * The code host of a new repository's URL: github.com, or the deployment's configured code host
 * (a GitHub Enterprise server) when `codeHosts` resolves the URL there. A configuration that
 * cannot be read leaves the URL on no code host rather than failing the registration.
 */
async function detectCodeHost(
  url: string,
  codeHosts: CodeHostResolver | undefined,
): Promise<Repo['codeHost']> {
  if (/(^|[@/.])github\.com[:/]/i.test(url)) return 'github';
  const found = await codeHosts?.resolve(url).catch(() => null);
  return found === null || found === undefined ? null : 'github';
}

/** What the repository service is built from: `codeHosts` recognises URLs on the configured code host. */
export interface RepoServiceContext extends ServiceContext {
  codeHosts?: CodeHostResolver | undefined;
}

/** Builds the repository service on the given ports. */
export function createRepoService(context: RepoServiceContext): RepoService {
  const { store, clock, ids } = context;

  async function get(id: string): Promise<Repo> {
    const repo = await store.repos.get(id);
    if (!repo) throw new NotFoundError('repo', id);
    return repo;
  }

  return {
    async create(raw) {
      const input = parseInput(createRepoInputSchema, raw, 'repo');
      const now = isoNow(clock);
      return store.repos.insert({
        id: ids.next('repo'),
        name: input.name ?? repoNameFromUrl(input.url),
        url: input.url,
        defaultBranch: input.defaultBranch ?? 'main',
        codeHost:
          input.codeHost === undefined ? await detectCodeHost(input.url, context.codeHosts) : input.codeHost,
        createdAt: now,
        updatedAt: now,
      });
    },
    get,
    list(options) {
      return store.repos.list(options);
    },
    async update(id, raw) {
      const input = parseInput(updateRepoInputSchema, raw, 'repo update');
      await get(id);
      return store.repos.update(id, { ...input, updatedAt: isoNow(clock) });
    },
    async delete(id) {
      if (!(await store.repos.delete(id))) throw new NotFoundError('repo', id);
    },
  };
}
