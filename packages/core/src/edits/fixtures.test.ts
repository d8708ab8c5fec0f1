import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import type { FileChange } from '../domain/index.ts';
import { type ApplyEditsResult, applyEdits, type MatchTier, parseEdits } from './index.ts';

// Real diffs of real files (see fixtures/README.md): the clean patch must give `after/` byte for
// byte and agree with `git apply`; damaged variants of the same patches must still land, on the
// tier that names the damage.

type Tree = Map<string, string>;

const fixturesDirectory = fileURLToPath(new URL('./fixtures/', import.meta.url));
const fixtureNames = readdirSync(fixturesDirectory).filter((name) =>
  statSync(join(fixturesDirectory, name)).isDirectory(),
);

function readTree(directory: string): Tree {
  const tree: Tree = new Map();
  const walk = (relative: string): void => {
    for (const entry of readdirSync(join(directory, relative), { withFileTypes: true })) {
      const path = relative === '' ? entry.name : `${relative}/${entry.name}`;
      if (entry.name === '.git') continue;
      if (entry.isDirectory()) walk(path);
      else tree.set(path, readFileSync(join(directory, path), 'utf8'));
    }
  };
  walk('');
  return tree;
}

interface Fixture {
  before: Tree;
  after: Tree;
  patch: string;
  /** Hand-written model replies (`replies/*.md`) that must give exactly `after/`. */
  replies: Map<string, string>;
  /** Near-misses (`refused/<reason>--<what>.md`) that must be refused for that reason. */
  refused: Map<string, string>;
}

function readReplies(directory: string): Map<string, string> {
  const replies = new Map<string, string>();
  let names: string[] = [];
  try {
    names = readdirSync(directory).filter((name) => name.endsWith('.md'));
  } catch {
    return replies;
  }
  for (const name of names.sort()) replies.set(name, readFileSync(join(directory, name), 'utf8'));
  return replies;
}

function loadFixture(name: string): Fixture {
  const directory = join(fixturesDirectory, name);
  return {
    before: readTree(join(directory, 'before')),
    after: readTree(join(directory, 'after')),
    patch: readFileSync(join(directory, 'patch.diff'), 'utf8'),
    replies: readReplies(join(directory, 'replies')),
    refused: readReplies(join(directory, 'refused')),
  };
}

function applyChanges(tree: Tree, changes: readonly FileChange[]): Tree {
  const next = new Map(tree);
  for (const change of changes) {
    if (change.content === null) next.delete(change.path);
    else next.set(change.path, change.content);
  }
  return next;
}

async function applyTo(tree: Tree, edits: string, fuzzyThreshold?: number): Promise<ApplyEditsResult> {
  return applyEdits({
    edits,
    readFile: async (path) => tree.get(path) ?? null,
    ...(fuzzyThreshold === undefined ? {} : { fuzzyThreshold }),
  });
}

/** Applies and returns the resulting tree, failing with the engine's own failures when it refuses. */
async function applied(tree: Tree, edits: string): Promise<{ tree: Tree; tiers: MatchTier[] }> {
  const result = await applyTo(tree, edits);
  if (!result.ok) expect.fail(JSON.stringify(result.failures, null, 2));
  return {
    tree: applyChanges(tree, result.changes),
    tiers: result.files.flatMap((file) => file.hunks.map((hunk) => hunk.tier)),
  };
}

function expectSameTree(actual: Tree, expected: Tree): void {
  expect([...actual.keys()].sort()).toEqual([...expected.keys()].sort());
  for (const [path, content] of expected) {
    // Compare as strings first for a readable diff, then lengths (cheap byte check).
    expect(actual.get(path), path).toBe(content);
  }
}

const temporaryDirectories: string[] = [];
afterAll(() => {
  for (const directory of temporaryDirectories) rmSync(directory, { recursive: true, force: true });
});

function gitApply(before: Tree, patch: string): Tree {
  const directory = mkdtempSync(join(tmpdir(), 'goosuke-git-apply-'));
  temporaryDirectories.push(directory);
  execFileSync('git', ['init', '-q'], { cwd: directory });
  for (const [path, content] of before) {
    mkdirSync(dirname(join(directory, path)), { recursive: true });
    writeFileSync(join(directory, path), content);
  }
  writeFileSync(join(directory, '.git', 'fixture.patch'), patch);
  execFileSync('git', ['-c', 'core.autocrlf=false', 'apply', '--whitespace=nowarn', '.git/fixture.patch'], {
    cwd: directory,
    stdio: 'pipe',
  });
  return readTree(directory);
}

describe('clean fixtures (real git diffs of real files)', () => {
  it('has the fixtures the README lists', () => {
    expect(fixtureNames.length).toBeGreaterThanOrEqual(8);
  });

  for (const name of fixtureNames) {
    describe(name, () => {
      const fixture = loadFixture(name);

      it('applies to exactly the after tree, on the exact tier', async () => {
        const { tree, tiers } = await applied(fixture.before, fixture.patch);
        expectSameTree(tree, fixture.after);
        for (const tier of tiers) expect(['exact', 'new-file', 'delete']).toContain(tier);
      });

      it('agrees with real git apply', async () => {
        const byGit = gitApply(fixture.before, fixture.patch);
        expectSameTree(byGit, fixture.after);
        const { tree } = await applied(fixture.before, fixture.patch);
        expectSameTree(tree, byGit);
      });

      it('is already applied the second time: success, no change', async () => {
        const result = await applyTo(fixture.after, fixture.patch);
        expect(result.ok).toBe(true);
        if (!result.ok) return;
        expect(result.changes).toEqual([]);
        for (const file of result.files) {
          for (const hunk of file.hunks) expect(hunk.tier).toBe('already-applied');
        }
      });
    });
  }
});

describe('model replies kept with the fixtures (replies/ give after/, refused/ change nothing)', () => {
  it('has replies and near-misses for the glued fence, blank-line and ordered-hunk classes', () => {
    for (const name of ['glued-fence', 'blank-line-only', 'ordered-hunks']) {
      const fixture = loadFixture(name);
      expect(fixture.replies.size, name).toBeGreaterThanOrEqual(3);
      expect(fixture.refused.size, name).toBeGreaterThanOrEqual(2);
    }
  });

  for (const name of fixtureNames) {
    const fixture = loadFixture(name);
    for (const [file, reply] of fixture.replies) {
      it(`${name}/replies/${file}: exactly the after tree, then already applied`, async () => {
        const { tree } = await applied(fixture.before, reply);
        expectSameTree(tree, fixture.after);
        const again = await applyTo(fixture.after, reply);
        if (!again.ok) expect.fail(JSON.stringify(again.failures, null, 2));
        expect(again.changes).toEqual([]);
      });
    }
    for (const [file, reply] of fixture.refused) {
      const reason = file.slice(0, file.indexOf('--'));
      it(`${name}/refused/${file}: refused as ${reason}, nothing changed`, async () => {
        const result = await applyTo(fixture.before, reply);
        expect(result.ok).toBe(false);
        if (result.ok) return;
        expect('changes' in result).toBe(false);
        expect(result.failures.length).toBeGreaterThan(0);
        for (const failure of result.failures) expect(failure.reason).toBe(reason);
      });
    }
  }
});

// --- Damage, derived from the clean patches -------------------------------------------------

type LineKind = 'header' | 'hunk-header' | 'context' | 'removed' | 'added' | 'marker';

/** Rewrites each line of a clean git patch, knowing what kind of line it is. */
function mapPatch(patch: string, rewrite: (line: string, kind: LineKind) => string | null): string {
  const out: string[] = [];
  let inHunk = false;
  const lines = patch.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  for (const line of lines) {
    let kind: LineKind;
    if (line.startsWith('@@')) {
      kind = 'hunk-header';
      inHunk = true;
    } else if (!inHunk || line.startsWith('diff --git ')) {
      kind = 'header';
      inHunk = false;
    } else if (line.startsWith(' ')) kind = 'context';
    else if (line.startsWith('-')) kind = 'removed';
    else if (line.startsWith('+')) kind = 'added';
    else if (line.startsWith('\\')) kind = 'marker';
    else {
      kind = 'header';
      inHunk = false;
    }
    const rewritten = rewrite(line, kind);
    if (rewritten !== null) out.push(rewritten);
  }
  return `${out.join('\n')}\n`;
}

/** Splits one file section's patch into its header and hunks (each with its header line). */
function splitHunks(patch: string): { header: string[]; hunks: string[][] } {
  const header: string[] = [];
  const hunks: string[][] = [];
  const lines = patch.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  for (const line of lines) {
    if (line.startsWith('@@')) hunks.push([line]);
    else if (hunks.length === 0) header.push(line);
    else hunks[hunks.length - 1]!.push(line);
  }
  return { header, hunks };
}

function joinHunks(header: string[], hunks: string[][]): string {
  return `${[...header, ...hunks.flat()].join('\n')}\n`;
}

const withBody = (kind: LineKind): boolean => kind === 'context' || kind === 'removed' || kind === 'added';
const toCrlf = (text: string): string => text.replace(/\r?\n/g, '\r\n');
const mapTree = (tree: Tree, map: (content: string) => string): Tree =>
  new Map([...tree].map(([path, content]) => [path, map(content)]));

describe('damaged patches still land, on the tier that names the damage', () => {
  const zod = loadFixture('zod-add-parameter');
  const kysely = loadFixture('kysely-rename-method');
  const crlf = loadFixture('crlf-file');

  it('wrong line numbers and counts: exact', async () => {
    let shift = 0;
    const damaged = mapPatch(zod.patch, (line, kind) => {
      if (kind !== 'hunk-header') return line;
      shift += 170;
      return `@@ -${shift},2 +${shift + 5},9 @@`;
    });
    const { tree, tiers } = await applied(zod.before, damaged);
    expectSameTree(tree, zod.after);
    expect(tiers).toEqual(['exact', 'exact', 'exact']);
  });

  it('wrong line numbers where a context occurs twice: ambiguous, both places named, nothing changed', async () => {
    const damaged = mapPatch(kysely.patch, (line, kind) =>
      kind === 'hunk-header' ? '@@ -1,7 +1,7 @@' : line,
    );
    const result = await applyTo(kysely.before, damaged);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect('changes' in result).toBe(false);
    expect(result.failures.length).toBeGreaterThanOrEqual(2);
    for (const failure of result.failures) {
      expect(failure.reason).toBe('ambiguous');
      expect(failure.message).toMatch(/lines \d+-\d+ and lines \d+-\d+/);
    }
    // The same hunks with their true line numbers are told apart by the hint.
    expect((await applyTo(kysely.before, kysely.patch)).ok).toBe(true);
  });

  it('missing line numbers (`@@ -3 +3 @@`, bare `@@`, `@@ ... @@ heading`): exact', async () => {
    let count = 0;
    const damaged = mapPatch(zod.patch, (line, kind) => {
      if (kind !== 'hunk-header') return line;
      count++;
      return count === 1 ? '@@ -3 +3 @@' : count === 2 ? '@@' : '@@ ... @@ export function randomString';
    });
    const { tree, tiers } = await applied(zod.before, damaged);
    expectSameTree(tree, zod.after);
    expect(tiers).toEqual(['exact', 'exact', 'exact']);
  });

  it('bare `@@` on every hunk of every fixture: ordered, each hunk searched after the previous one', async () => {
    for (const name of fixtureNames) {
      const fixture = loadFixture(name);
      const bare = mapPatch(fixture.patch, (line, kind) => (kind === 'hunk-header' ? '@@' : line));
      const result = await applyTo(fixture.before, bare);
      if (name === 'kysely-rename-method') {
        // Its third hunk's lines still occur twice after the second hunk: that alone is refused.
        expect(result.ok).toBe(false);
        if (result.ok) continue;
        expect(result.failures.map((failure) => [failure.hunkIndex, failure.reason])).toEqual([
          [2, 'ambiguous'],
        ]);
        continue;
      }
      const { tree } = await applied(fixture.before, bare);
      expectSameTree(tree, fixture.after);
    }
  });

  it('the modify-only fixtures as apply_patch envelopes: exact, and already applied the second time', async () => {
    for (const name of [
      'zod-add-parameter',
      'kysely-delete-block',
      'kysely-readme',
      'blank-line-only',
      'ordered-hunks',
    ]) {
      const fixture = loadFixture(name);
      const body = mapPatch(fixture.patch, (line, kind) => {
        if (kind === 'hunk-header') return '@@';
        if (kind !== 'header') return line;
        return line.startsWith('+++ b/') ? `*** Update File: ${line.slice(6)}` : null;
      });
      const envelope = `*** Begin Patch\n${body}*** End Patch\n`;
      const { tree } = await applied(fixture.before, envelope);
      expectSameTree(tree, fixture.after);
      const again = await applyTo(fixture.after, envelope);
      expect(again.ok && again.changes, name).toEqual([]);
    }
  });

  it('hunks out of order: exact', async () => {
    const { header, hunks } = splitHunks(kysely.patch);
    const shuffled = [...hunks].reverse();
    [shuffled[3], shuffled[20]] = [shuffled[20]!, shuffled[3]!];
    const { tree, tiers } = await applied(kysely.before, joinHunks(header, shuffled));
    expectSameTree(tree, kysely.after);
    expect(new Set(tiers)).toEqual(new Set(['exact']));
  });

  it('blank context lines that lost their leading space: exact', async () => {
    const damaged = mapPatch(zod.patch, (line, kind) => (kind === 'context' && line === ' ' ? '' : line));
    expect(damaged).not.toBe(zod.patch);
    const { tree, tiers } = await applied(zod.before, damaged);
    expectSameTree(tree, zod.after);
    expect(tiers).toEqual(['exact', 'exact', 'exact']);
  });

  it('trailing whitespace added to context and removed lines: trailing-whitespace', async () => {
    const damaged = mapPatch(zod.patch, (line, kind) =>
      kind === 'context' || kind === 'removed' ? `${line}  \t` : line,
    );
    const { tree, tiers } = await applied(zod.before, damaged);
    expectSameTree(tree, zod.after);
    expect(tiers).toEqual(['trailing-whitespace', 'trailing-whitespace', 'trailing-whitespace']);
  });

  it('whitespace inside lines changed: whitespace', async () => {
    const damaged = mapPatch(zod.patch, (line, kind) =>
      kind === 'context' ? line.replace(/(\S) (\S)/g, '$1   $2').replace(/\(\(/g, '( (') : line,
    );
    expect(damaged).not.toBe(zod.patch);
    const { tree, tiers } = await applied(zod.before, damaged);
    expectSameTree(tree, zod.after);
    expect(tiers).toEqual(['whitespace', 'whitespace', 'whitespace']);
  });

  for (const [label, indent] of [
    ['2 spaces', '  '],
    ['4 spaces', '    '],
    ['a tab', '\t'],
  ] as const) {
    it(`whole hunk indented by ${label}: indentation, added lines re-indented`, async () => {
      const damaged = mapPatch(zod.patch, (line, kind) =>
        withBody(kind) && line.slice(1).trim() !== '' ? `${line[0]}${indent}${line.slice(1)}` : line,
      );
      const { tree, tiers } = await applied(zod.before, damaged);
      expectSameTree(tree, zod.after);
      expect(tiers).toEqual(['indentation', 'indentation', 'indentation']);
    });
  }

  it('whole hunk missing one indentation level: indentation', async () => {
    const multi = loadFixture('multi-file');
    const { header, hunks } = splitHunks(
      multi.patch.slice(multi.patch.indexOf('diff --git a/src/kysely.js')),
    );
    const kyselyHunk = hunks[0]!;
    const section = joinHunks(header.slice(0, header.findIndex((line) => line.startsWith('+++')) + 1), [
      kyselyHunk,
    ]);
    const bodies = kyselyHunk.slice(1).filter((line) => line.slice(1).trim() !== '');
    expect(bodies.every((line) => line.slice(1).startsWith('    '))).toBe(true);
    const damaged = mapPatch(section, (line, kind) => (withBody(kind) ? line[0] + line.slice(5) : line));
    const before = new Map([['src/kysely.js', multi.before.get('src/kysely.js')!]]);
    const { tree, tiers } = await applied(before, damaged);
    expect(tree.get('src/kysely.js')).toBe(multi.after.get('src/kysely.js'));
    expect(tiers).toEqual(['indentation']);
  });

  it('CRLF file with an LF patch: the file stays CRLF, exact', async () => {
    const { tree, tiers } = await applied(mapTree(zod.before, toCrlf), zod.patch);
    expectSameTree(tree, mapTree(zod.after, toCrlf));
    expect(tiers).toEqual(['exact', 'exact', 'exact']);
  });

  it('CRLF file with its CRLF patch turned to LF, and LF file with a CRLF patch: exact', async () => {
    const { tree } = await applied(crlf.before, crlf.patch.replace(/\r\n/g, '\n'));
    expectSameTree(tree, crlf.after);
    const lfBefore = mapTree(crlf.before, (content) => content.replace(/\r\n/g, '\n'));
    const lfAfter = mapTree(crlf.after, (content) => content.replace(/\r\n/g, '\n'));
    const { tree: lfTree, tiers } = await applied(lfBefore, toCrlf(crlf.patch));
    expectSameTree(lfTree, lfAfter);
    expect(tiers).toEqual(['exact']);
  });

  it('one slightly wrong context line: fuzzy, the file keeps its own line', async () => {
    let changed = false;
    const damaged = mapPatch(zod.patch, (line, kind) => {
      if (!changed && kind === 'context' && line.includes('return array.map')) {
        changed = true;
        return line.replace('return array.map', 'return list.map');
      }
      if (!changed && kind === 'context' && line.includes('jsonStringifyReplacer')) {
        changed = true;
        return line.replace('jsonStringifyReplacer', 'jsonStringReplacer');
      }
      return line;
    });
    expect(changed).toBe(true);
    const { tree, tiers } = await applied(zod.before, damaged);
    expectSameTree(tree, zod.after);
    expect(tiers).toEqual(['fuzzy', 'exact', 'exact']);
  });

  it('prose and a fence around the diff: exact', async () => {
    const reply = `I added the \`quote\` parameter.\n\n\`\`\`diff\n${zod.patch}\`\`\`\n\nLet me know if you want tests too.\n`;
    const { tree, tiers } = await applied(zod.before, reply);
    expectSameTree(tree, zod.after);
    expect(tiers).toEqual(['exact', 'exact', 'exact']);
  });

  it('no a/ b/ prefixes and no diff --git line: exact', async () => {
    const damaged = mapPatch(zod.patch, (line, kind) => {
      if (kind !== 'header') return line;
      if (line.startsWith('diff --git') || line.startsWith('index ')) return null;
      return line.replace(/^(---|\+\+\+) [ab]\//, '$1 ');
    });
    expect(damaged).not.toContain('a/src');
    const { tree, tiers } = await applied(zod.before, damaged);
    expectSameTree(tree, zod.after);
    expect(tiers).toEqual(['exact', 'exact', 'exact']);
  });

  it('bare ---/+++ headers without diff --git, several files: exact', async () => {
    const multi = loadFixture('multi-file');
    const damaged = mapPatch(multi.patch, (line, kind) =>
      kind === 'header' &&
      (line.startsWith('diff --git') || line.startsWith('index ') || line.includes('file mode'))
        ? null
        : line,
    );
    const { tree } = await applied(multi.before, damaged);
    expectSameTree(tree, multi.after);
  });

  it('the parse of the fenced and the unfenced patch is the same', () => {
    const fenced = parseEdits(`Here:\n~~~patch\n${kysely.patch}~~~\n`);
    expect(fenced).toEqual(parseEdits(kysely.patch));
  });
});
