import {
  collectPages,
  type ModelProfile,
  type ModelProfileService,
  modelCapabilitiesSchema,
} from '@goosuke/core';
import { renderTable } from './plain-table.ts';

/** Every model profile, reading page after page (of `pageSize`, 1 to 500) until the last. */
export function listAllModelProfiles(models: ModelProfileService, pageSize = 500): Promise<ModelProfile[]> {
  return collectPages((cursor) => models.list({ limit: pageSize, cursor }));
}

/**
 * A profile's capability overrides as `name=value` pairs joined by `, `, in the order of the
 * capabilities schema (e.g. `contextWindow=32768, preferredEditFormat=whole-file`); `''` when
 * nothing is overridden.
 */
export function describeCapabilityOverrides(capabilities: ModelProfile['capabilities']): string {
  return Object.keys(modelCapabilitiesSchema.shape)
    .flatMap((name) => {
      const value = capabilities[name as keyof typeof capabilities];
      return value === undefined ? [] : [`${name}=${String(value)}`];
    })
    .join(', ');
}

/**
 * One profile as `label: value` lines; says whether a key is stored, never the key. A
 * `capabilities:` line lists the overrides, only when the profile has any.
 */
export function renderModelProfile(profile: ModelProfile): string {
  const overrides = describeCapabilityOverrides(profile.capabilities);
  const capabilityRows: Array<[string, string]> = overrides === '' ? [] : [['capabilities', overrides]];
  const rows: Array<[string, string]> = [
    ['id', profile.id],
    ['name', profile.displayName],
    ['provider', profile.provider],
    ['model', profile.modelName],
    ['base URL', profile.baseUrl ?? '-'],
    ['key', profile.hasApiKey ? 'stored' : 'none'],
    ...capabilityRows,
  ];
  // A label longer than the column still gets one space before its value.
  return rows
    .map(([label, value]) => `${`${label}:`.padEnd(Math.max(10, label.length + 2))}${value}\n`)
    .join('');
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
  return renderTable(rows);
}
