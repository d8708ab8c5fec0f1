import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { GoosukeError } from '@goosuke/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSystemGitBackend } from '../src/index.ts';

// A misbehaving git server: its words (an error page, an ERR packet) must not reach messages.
const remoteWords = 'INTERNAL-DETAIL-FROM-THE-REMOTE';
let server: Server;
let base = '';
let scratch = '';

/** One pkt-line. */
const packet = (text: string) => `${(text.length + 4).toString(16).padStart(4, '0')}${text}`;

beforeAll(async () => {
  scratch = await mkdtemp(path.join(tmpdir(), 'goosuke-git-system-errors-'));
  server = createServer((request, response) => {
    if (request.url?.startsWith('/broken.git/')) {
      response.writeHead(500, { 'Content-Type': 'text/plain' });
      response.end(`${remoteWords}\n`);
    } else if (request.url?.startsWith('/refusing.git/')) {
      response.writeHead(200, { 'Content-Type': 'application/x-git-upload-pack-advertisement' });
      response.end(`${packet('# service=git-upload-pack\n')}0000${packet(`ERR ${remoteWords}\n`)}`);
    } else {
      response.writeHead(404);
      response.end(remoteWords);
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  if (scratch !== '') await rm(scratch, { recursive: true, force: true });
});

async function failure(url: string, dir: string): Promise<GoosukeError> {
  const error = await createSystemGitBackend()
    .clone({ url, dir: path.join(scratch, dir), auth: { token: 'ghs_NotForMessages' } })
    .catch((reason: unknown) => reason);
  expect(GoosukeError.isInstance(error), String(error)).toBe(true);
  return error as GoosukeError;
}

describe('system git backend errors from the remote', () => {
  it("maps HTTP 500, 404 and an ERR packet to GoosukeErrors without the remote's words or the token", async () => {
    const broken = await failure(`${base}/broken.git`, 'broken');
    expect(broken.code).toBe('storage');
    expect(broken.retryable).toBe(true);
    const missing = await failure(`${base}/missing.git`, 'missing');
    expect(missing.code).toBe('not_found');
    const refusing = await failure(`${base}/refusing.git`, 'refusing');
    expect(refusing.code).toBe('storage');
    expect(refusing.message).toContain('the remote refused the request');
    for (const error of [broken, missing, refusing]) {
      expect(JSON.stringify({ message: error.message, cause: String(error.cause) })).not.toContain(
        remoteWords,
      );
      expect(error.message).not.toContain('ghs_NotForMessages');
    }
  });
});
