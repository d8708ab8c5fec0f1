import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { checkApiReports, describeProblems, listApiEntries } from '../../../scripts/api-reports.ts';
import { canonicalApiReport } from '../../../scripts/canonical-api-report.ts';

// Every published entry point's surface (from the built .d.ts) must match its checked-in report,
// so that a change to a public API shows up as a diff of `packages/*/api/*.api.md` in review.
const entries = listApiEntries();
const built = entries.every((entry) => existsSync(entry.typesFile));

describe('the API reports', () => {
  if (!built && process.env.CI) {
    it('are checked against a build in CI', () => {
      expect.fail('missing dist/*.d.ts: the test command must build first');
    });
  }

  it('cover every published entry point, each with a checked-in report', () => {
    expect(entries.map((entry) => entry.specifier)).toEqual(
      expect.arrayContaining(['@goosuke/core', '@goosuke/core/implementing', '@goosuke/core/testing']),
    );
    expect(entries.length).toBeGreaterThan(10);
    const missing = entries.filter((entry) => !existsSync(entry.reportFile)).map((entry) => entry.specifier);
    expect(missing, 'run `npm run api:update` and commit the new reports').toEqual([]);
  });

  it('do not depend on the order the declaration bundler printed members in', () => {
    const report = (body: string) => `## API Report File for "x"\n\n\`\`\`ts\n\n${body}\n\n\`\`\`\n`;
    const printed = report(
      "export const s: z.ZodObject<{\n    title: z.ZodString;\n    'a-b': z.ZodNumber;\n}>;\nexport type K = 'b' | 'a';",
    );
    const reprinted = report(
      "export const s: z.ZodObject<{\n    'a-b': z.ZodNumber;\n    title: z.ZodString;\n}>;\nexport type K = 'a' | 'b';",
    );
    expect(canonicalApiReport(printed)).toBe(canonicalApiReport(reprinted));
    expect(canonicalApiReport(canonicalApiReport(printed))).toBe(canonicalApiReport(printed));
    // A changed type is still a change.
    expect(canonicalApiReport(printed)).not.toBe(
      canonicalApiReport(printed.replace('ZodNumber', 'ZodString')),
    );
  });

  it.skipIf(!built)(
    'match the built declarations of every entry point',
    () => {
      const problems = describeProblems(checkApiReports(), false);
      expect(problems, problems.join('\n')).toEqual([]);
    },
    120_000,
  );
});
