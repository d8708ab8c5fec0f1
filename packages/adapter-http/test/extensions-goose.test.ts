import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { apiPrefix } from '../src/index.ts';
import { type CallResult, call, type Harness, isProblem, startHarness } from './harness.ts';

// Goose config.yaml import and export through the real server, on a real SQLite file.
const fixture = path.join(import.meta.dirname, 'fixtures', 'goose-config.yaml');
const envSecret = 'ghp_goose-export-secret-never-in-a-file-7a7a';

let harness: Harness;
let source: string;
const seen: CallResult[] = [];

beforeAll(async () => {
  harness = await startHarness();
  source = await readFile(fixture, 'utf8');
});
afterAll(async () => {
  await harness?.close();
});

async function send(path: string, as: 'admin' | 'bob', body: unknown): Promise<CallResult> {
  const token = as === 'admin' ? harness.admin.token : harness.bob.token;
  const result = await call(harness.url, 'post', `${apiPrefix}${path}`, { token, body });
  seen.push(result);
  return result;
}

describe("Goose's config.yaml over HTTP", () => {
  it('imports, exports without a secret, keeps deletions, and is for admins only', async () => {
    expect(isProblem(await send('/extensions/import/goose', 'bob', { config: source }), 403)).toBe(true);
    expect(isProblem(await send('/extensions/export/goose', 'bob', {}), 403)).toBe(true);

    const imported = await send('/extensions/import/goose', 'admin', { config: source });
    expect(imported.status).toBe(200);
    expect(imported.json.added.map((item: { name: string }) => item.name)).toEqual([
      'github',
      'events',
      'search',
    ]);
    expect(imported.json.added[0]).toMatchObject({
      key: 'github',
      secretsWithoutValue: ['GITHUB_PERSONAL_ACCESS_TOKEN'],
    });
    expect(
      imported.json.skipped.map((item: { key: string; reason: string }) => [item.key, item.reason]),
    ).toEqual([
      ['developer', 'unsupported_type'],
      ['todo', 'unsupported_type'],
    ]);

    // The admin sets the env_keys secret in Goosuke: the export still writes its name only.
    const github = await harness.goosuke.extensions.resolve('github');
    await harness.goosuke.extensions.update(github.id, {
      env: [
        { name: 'LOG_LEVEL', value: 'debug' },
        { name: 'GITHUB_PERSONAL_ACCESS_TOKEN', value: envSecret, secret: true },
      ],
    });
    const exported = await send('/extensions/export/goose', 'admin', { config: source });
    expect(exported.status).toBe(200);
    expect(exported.json.config).toBe(source);
    expect(exported.json.report.written.map((item: { change: string }) => item.change)).toEqual([
      'unchanged',
      'unchanged',
      'unchanged',
    ]);
    const fresh = await send('/extensions/export/goose', 'admin', {});
    expect(fresh.status).toBe(200);
    expect(parse(fresh.json.config).extensions.github.env_keys).toEqual(['GITHUB_PERSONAL_ACCESS_TOKEN']);

    // Deleted in Goosuke, it stays deleted on the next import unless asked back.
    expect(
      (
        await call(harness.url, 'delete', `${apiPrefix}/extensions/${github.id}`, {
          token: harness.admin.token,
        })
      ).status,
    ).toBe(204);
    const again = await send('/extensions/import/goose', 'admin', { config: source });
    expect(again.status).toBe(200);
    expect(again.json.added).toEqual([]);
    expect(again.json.skipped.find((item: { key: string }) => item.key === 'github')).toMatchObject({
      reason: 'deleted',
    });
    const restored = await send('/extensions/import/goose', 'admin', {
      config: source,
      restoreDeleted: true,
    });
    expect(restored.json.added.map((item: { name: string }) => item.name)).toEqual(['github']);

    for (const result of seen) expect(result.text).not.toContain(envSecret);
  });

  it('answers 400 with the line for text that is not YAML, and for a body it does not take', async () => {
    const broken = await send('/extensions/import/goose', 'admin', {
      config: 'GOOSE_MODE: auto\nextensions:\n  a:\n    name: a\n   bad: [1\n',
    });
    expect(isProblem(broken, 400)).toBe(true);
    expect(broken.json.detail).toMatch(/not valid YAML at line 5/);
    const exportBroken = await send('/extensions/export/goose', 'admin', { config: 'a: 1\na: 2\n' });
    expect(isProblem(exportBroken, 400)).toBe(true);
    expect(exportBroken.json.detail).toMatch(/line 2/);
    expect(isProblem(await send('/extensions/import/goose', 'admin', {}), 400)).toBe(true);
    expect(
      isProblem(await send('/extensions/import/goose', 'admin', { config: source, extra: 1 }), 400),
    ).toBe(true);
  });
});
