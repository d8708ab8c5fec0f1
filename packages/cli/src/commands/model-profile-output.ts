import type { ModelProfile, ModelProfileService } from '@goosuke/core';

/** Every model profile, reading page after page (of `pageSize`, 1 to 500) until the last. */
export async function listAllModelProfiles(
  models: ModelProfileService,
  pageSize = 500,
): Promise<ModelProfile[]> {
  const profiles: ModelProfile[] = [];
  let cursor: string | null = null;
  do {
    const page = await models.list({ limit: pageSize, cursor });
    profiles.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor !== null);
  return profiles;
}

/** One profile as `label: value` lines; says whether a key is stored, never the key. */
export function renderModelProfile(profile: ModelProfile): string {
  return `${[
    ['id', profile.id],
    ['name', profile.displayName],
    ['provider', profile.provider],
    ['model', profile.modelName],
    ['base URL', profile.baseUrl ?? '-'],
    ['key', profile.hasApiKey ? 'stored' : 'none'],
  ]
    .map(([label, value]) => `${`${label}:`.padEnd(10)}${value}`)
    .join('\n')}\n`;
}

/** Profiles as an aligned table with a header row: id, name, provider, model, base URL, key. */
export function renderModelProfileTable(profiles: readonly ModelProfile[]): string {
  const rows = [
    ['ID', 'NAME', 'PROVIDER', 'MODEL', 'BASE URL', 'KEY'],
    ...profiles.map((profile) => [
      profile.id,
      profile.displayName,
      profile.provider,
      profile.modelName,
      profile.baseUrl ?? '-',
      profile.hasApiKey ? 'yes' : 'no',
    ]),
  ];
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  return rows
    .map((row) =>
      row
        .map((cell, column) => cell.padEnd(widths[column]!))
        .join('  ')
        .trimEnd(),
    )
    .map((line) => `${line}\n`)
    .join('');
}
