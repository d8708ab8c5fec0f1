import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { makeGitRepository, runGit } from '@goosuke/core/testing';

/** Runs git in `cwd` with a fixed identity and no user or system configuration. */
export function git(cwd: string, ...args: string[]): Promise<string> {
  return runGit(cwd, args);
}

/** A temporary directory removed by the returned cleanup. */
export async function temporaryDirectory(
  prefix = 'goosuke-it-',
): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), prefix));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** Makes a git repository in `dir` with `files` committed on `main`; returns the commit id. */
export const makeRepository = (dir: string, files: Record<string, string>): Promise<string> =>
  makeGitRepository(dir, files);

/** A file's content at `ref` in the repository at `dir`. */
export async function showFile(dir: string, ref: string, file: string): Promise<string> {
  return git(dir, 'show', `${ref}:${file}`);
}

/** A model's answer with one SEARCH/REPLACE edit of `file`, after a one-line summary. */
export function searchReplaceReply(file: string, summary: string, search: string, replace: string): string {
  return [
    summary,
    '',
    file,
    '```ts',
    '<<<<<<< SEARCH',
    search,
    '=======',
    replace,
    '>>>>>>> REPLACE',
    '```',
  ].join('\n');
}

/**
 * Calls the API at `url()` as the admin or the member whose access token is in `tokens`, with a
 * JSON body when given; the status, the text and the parsed JSON (null when empty).
 */
export function apiCaller(url: () => string, tokens: { admin: string; member: string }) {
  return async (method: string, route: string, as: 'admin' | 'member', body?: unknown) => {
    const response = await fetch(`${url()}/api/v1${route}`, {
      method,
      headers: {
        authorization: `Bearer ${tokens[as]}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    return { status: response.status, text, json: text === '' ? null : JSON.parse(text) };
  };
}
