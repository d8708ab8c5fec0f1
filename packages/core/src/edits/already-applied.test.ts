import { describe, expect, it } from 'vitest';
import { type ApplyEditsResult, applyEdits, formatApplyFailure, type MatchTier } from './index.ts';

// "Already applied" is a claim that the file holds the change; it must never hide one. A
// whitespace-tolerant match ignores blank lines, so the claim needs the added blank lines found.

type Files = Record<string, string>;

async function apply(files: Files, edits: string): Promise<ApplyEditsResult> {
  return applyEdits({ edits, readFile: async (path) => files[path] ?? null });
}

async function applyOk(files: Files, edits: string): Promise<{ files: Files; tiers: MatchTier[] }> {
  const result = await apply(files, edits);
  if (!result.ok) expect.fail(result.failures.map(formatApplyFailure).join('\n\n'));
  const next = { ...files };
  for (const change of result.changes) {
    if (change.content === null) delete next[change.path];
    else next[change.path] = change.content;
  }
  return { files: next, tiers: result.files.flatMap((file) => file.hunks.map((hunk) => hunk.tier)) };
}

const diff = (body: string): string => `--- a/a.ts\n+++ b/a.ts\n${body}`;

describe('a hunk whose only addition is a blank line', () => {
  const file = 'one();\ntwo();\nthree();\n';
  const spaced = 'one();\ntwo();\n\nthree();\n';

  for (const [label, edits] of [
    ['with line numbers', diff('@@ -1,3 +1,4 @@\n one();\n two();\n+\n three();\n')],
    ['under a bare @@', diff('@@\n two();\n+\n three();\n')],
    [
      'as SEARCH/REPLACE',
      'a.ts\n<<<<<<< SEARCH\ntwo();\nthree();\n=======\ntwo();\n\nthree();\n>>>>>>> REPLACE\n',
    ],
    [
      'in an apply_patch envelope',
      '*** Begin Patch\n*** Update File: a.ts\n@@\n two();\n+\n three();\n*** End Patch\n',
    ],
  ] as const) {
    it(`is applied ${label}, and already applied only once the blank line is there`, async () => {
      const first = await applyOk({ 'a.ts': file }, edits);
      expect(first.files['a.ts']).toBe(spaced);
      expect(first.tiers).toEqual(['exact']);
      const again = await applyOk({ 'a.ts': spaced }, edits);
      expect(again.files['a.ts']).toBe(spaced);
      expect(again.tiers).toEqual(['already-applied']);
    });
  }

  it('adds a second blank line next to an existing one: the whole blank run must be there', async () => {
    const edits = diff('@@\n one();\n \n+\n two();\n');
    const single = 'one();\n\ntwo();\n';
    const double = 'one();\n\n\ntwo();\n';
    expect((await applyOk({ 'a.ts': single }, edits)).files['a.ts']).toBe(double);
    const again = await applyOk({ 'a.ts': double }, edits);
    expect(again.tiers).toEqual(['already-applied']);
  });

  it('adds blank lines at the end of a file even when it already ends with one (apply_patch)', async () => {
    const edits = '*** Begin Patch\n*** Update File: a.ts\n@@\n+\n*** End Patch\n';
    const { files, tiers } = await applyOk({ 'a.ts': 'one();\n\n' }, edits);
    expect(files['a.ts']).toBe('one();\n\n\n');
    expect(tiers).toEqual(['exact']);
  });

  it('is refused, not "already applied", when the line it replaces is not in the file', async () => {
    const result = await apply({ 'a.ts': file }, diff('@@\n two();\n-// gap\n+\n three();\n'));
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.failures.map((failure) => failure.reason)).toEqual(['not-found']);
  });
});

describe('already applied still tolerates what the writer got wrong around the change', () => {
  it('a blank context line the file lacks does not make an applied insertion apply twice', async () => {
    const edits = diff('@@\n one();\n \n two();\n+three();\n');
    const result = await applyOk({ 'a.ts': 'one();\ntwo();\nthree();\n' }, edits);
    expect(result.files['a.ts']).toBe('one();\ntwo();\nthree();\n');
    expect(result.tiers).toEqual(['already-applied']);
  });

  it('an insertion with its own blank line, applied twice, is applied once', async () => {
    const edits = diff('@@\n two();\n+\n+extra();\n three();\n');
    const once = await applyOk({ 'a.ts': 'one();\ntwo();\nthree();\n' }, edits);
    expect(once.files['a.ts']).toBe('one();\ntwo();\n\nextra();\nthree();\n');
    const twice = await applyOk(once.files, edits);
    expect(twice.files['a.ts']).toBe(once.files['a.ts']);
    expect(twice.tiers).toEqual(['already-applied']);
  });
});

describe('creating a file that exists is already applied only when nothing would change', () => {
  it('refuses content that differs only in trailing whitespace or trailing blank lines', async () => {
    const created = '--- /dev/null\n+++ b/a.ts\n@@ -0,0 +1,2 @@\n+one();\n+two();\n';
    const search = 'a.ts\n<<<<<<< SEARCH\n=======\none();\ntwo();\n>>>>>>> REPLACE\n';
    for (const edits of [created, search]) {
      expect((await applyOk({ 'a.ts': 'one();\ntwo();\n' }, edits)).tiers).toEqual(['already-applied']);
      for (const existing of ['one();\ntwo();  \n', 'one();\ntwo();\n\n']) {
        const result = await apply({ 'a.ts': existing }, edits);
        expect(result.ok, JSON.stringify(existing)).toBe(false);
        if (result.ok) continue;
        expect(result.failures.map((failure) => failure.reason)).toEqual(['file-exists']);
      }
    }
  });
});
