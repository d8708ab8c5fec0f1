import type { Extension } from '../domain/index.ts';
import {
  type GooseEntry,
  type GooseExportReport,
  type GooseSkippedField,
  gooseDefaultTimeoutSeconds,
  gooseEntryName,
  gooseKeyOf,
  holdableTypes,
  isGooseEntry,
  samePlainValue,
  textOf,
} from './goose-config.ts';

// Writing Goosuke's extensions as Goose's entries (see goose-config.ts for the format).

/** How one entry of Goose's file changes: fields to write and fields to remove. */
export interface GooseConfigEdit {
  /** The entry's key under `extensions:`. */
  key: string;
  /** Whether the entry is written whole (a new one, or one that was not a mapping). */
  create: boolean;
  /**
   * The fields to write, in order, with Goosuke's values (never a secret value). A mapping
   * (`envs`, `headers`) is the whole mapping the field is to hold: writers change only what
   * differs in it.
   */
  set: Record<string, unknown>;
  /** Fields to take out of the entry. */
  remove: string[];
}

/** A value as Goose reads the field it is in, for comparisons: scalars inside lists and maps as strings. */
function normalized(field: string, value: unknown): unknown {
  if (field === 'args' || field === 'env_keys') {
    return Array.isArray(value) ? value.map((item) => textOf(item) ?? item) : value;
  }
  if (field === 'envs' || field === 'headers') {
    return isGooseEntry(value)
      ? Object.fromEntries(Object.entries(value).map(([name, item]) => [name, textOf(item) ?? item]))
      : value;
  }
  if (field === 'description') return value ?? '';
  return value;
}

/** Whether a field the entry leaves out already means `value` to Goose, so that writing it adds nothing. */
function impliedByAbsence(field: string, value: unknown): boolean {
  if (field === 'timeout') return value === gooseDefaultTimeoutSeconds;
  if (field === 'env_keys') return Array.isArray(value) && value.length === 0;
  if (field === 'envs' || field === 'headers') return isGooseEntry(value) && Object.keys(value).length === 0;
  return false;
}

/**
 * The entry Goose's file should hold for `extension` (a view: secret values are null and never
 * read here), given the entry `current` it holds now (undefined for none): its fields, those
 * a Goose entry cannot take, and those to remove. A secret environment variable is written as
 * a name in `env_keys`, unless the file already holds a value for it in `envs`, which is left
 * as it is; a secret header is never written (Goose has no secret store for headers), and one
 * the file already holds is left as it is.
 */
function desiredEntry(
  extension: Extension,
  current: GooseEntry | undefined,
): { fields: Record<string, unknown>; removable: string[]; skippedFields: GooseSkippedField[] } {
  const skippedFields: GooseSkippedField[] = [];
  const kept = (field: string) => ({
    field,
    reason: 'secret: Goosuke never writes its value; the value the file holds is left as it is',
  });
  const fields: Record<string, unknown> = {
    enabled: extension.enabled,
    type: extension.type,
    name: extension.name,
    description: extension.description,
  };
  if (extension.type === 'stdio') {
    const currentEnvs = isGooseEntry(current?.envs) ? current.envs : {};
    const envs: Record<string, unknown> = {};
    const secretNames: string[] = [];
    for (const variable of extension.env) {
      if (!variable.secret) {
        envs[variable.name] = variable.value;
      } else if (Object.hasOwn(currentEnvs, variable.name) && currentEnvs[variable.name] != null) {
        envs[variable.name] = currentEnvs[variable.name];
        skippedFields.push(kept(`envs.${variable.name}`));
      } else {
        secretNames.push(variable.name);
      }
    }
    const currentKeys = Array.isArray(current?.env_keys) ? current.env_keys : [];
    const envKeys = [
      ...currentKeys.filter((name): name is string => typeof name === 'string' && secretNames.includes(name)),
    ];
    envKeys.push(...secretNames.filter((name) => !envKeys.includes(name)));
    Object.assign(fields, { cmd: extension.command, args: extension.args, envs, env_keys: envKeys });
    if (extension.cwd !== null) {
      skippedFields.push({ field: 'cwd', reason: 'Goose has no working directory for stdio extensions' });
    }
  } else {
    const currentHeaders = isGooseEntry(current?.headers) ? current.headers : {};
    const headers: Record<string, unknown> = {};
    for (const header of extension.headers) {
      // The file's spelling of a header name wins: HTTP header names are case-insensitive.
      const inFile = Object.keys(currentHeaders).find(
        (name) => name.toLowerCase() === header.name.toLowerCase(),
      );
      if (!header.secret) {
        headers[inFile ?? header.name] = header.value;
      } else if (inFile !== undefined) {
        headers[inFile] = currentHeaders[inFile];
        skippedFields.push(kept(`headers.${header.name}`));
      } else {
        skippedFields.push({
          field: `headers.${header.name}`,
          reason: 'secret: Goose has no secret store for headers, so it is not written; add it in Goose',
        });
      }
    }
    Object.assign(fields, { uri: extension.uri, headers });
  }
  fields.timeout = extension.timeoutSeconds;
  return {
    fields,
    removable: extension.type === 'stdio' ? ['uri', 'headers'] : ['cmd', 'args'],
    skippedFields,
  };
}

/**
 * The edit of Goose's entry `current` (undefined for none, or anything that is not a mapping)
 * at `key` that makes it describe `extension` (a view without secret values), changing only
 * what differs: `set` is empty and `remove` too when it already does.
 */
export function planGooseEntry(
  extension: Extension,
  key: string,
  current: unknown,
): { edit: GooseConfigEdit; skippedFields: GooseSkippedField[] } {
  const entry = isGooseEntry(current) ? current : undefined;
  const { fields, removable, skippedFields } = desiredEntry(extension, entry);
  if (entry === undefined) {
    const set = Object.fromEntries(
      Object.entries(fields).filter(
        ([field, value]) => field === 'timeout' || field === 'args' || !impliedByAbsence(field, value),
      ),
    );
    return { edit: { key, create: true, set, remove: [] }, skippedFields };
  }
  const set: Record<string, unknown> = {};
  for (const [field, value] of Object.entries(fields)) {
    const now = entry[field];
    if (samePlainValue(normalized(field, now), normalized(field, value))) continue;
    if ((now === undefined || now === null) && impliedByAbsence(field, value)) continue;
    set[field] = value;
  }
  const remove = removable.filter((field) => Object.hasOwn(entry, field));
  return { edit: { key, create: false, set, remove }, skippedFields };
}

/** Every edit an export makes to Goose's `extensions:` mapping, and its report. */
export interface GooseExportPlan {
  /** In the order of Goosuke's extensions; entries that are already right have none. */
  edits: GooseConfigEdit[];
  report: GooseExportReport;
}

/**
 * Plans writing `extensions` (views: secret values are null) into Goose's `extensions:` mapping
 * `file` (plain values; `{}` for a new file). Each goes to the file's entry of the same name
 * wherever its key, else to a new entry at its Goose key; an extension is skipped when that key
 * holds an entry of another name, when the entry of its name is one of Goose's own types, or
 * when it is one of Goosuke's builtin extensions. Entries of the file that no extension names
 * get no edit.
 */
export function planGooseExport(
  extensions: readonly Extension[],
  file: Readonly<Record<string, unknown>>,
): GooseExportPlan {
  const keyOfName = new Map<string, string>();
  for (const [key, entry] of Object.entries(file)) {
    if (!isGooseEntry(entry)) continue;
    const name = gooseEntryName(key, entry);
    if (!keyOfName.has(name)) keyOfName.set(name, key);
  }
  const plan: GooseExportPlan = { edits: [], report: { written: [], skipped: [] } };
  const claimed = new Set<string>();
  const conflict = (extension: Extension, message: string) =>
    plan.report.skipped.push({ name: extension.name, id: extension.id, reason: 'conflict', message });
  for (const extension of extensions) {
    if (extension.type === 'builtin') {
      plan.report.skipped.push({
        name: extension.name,
        id: extension.id,
        reason: 'builtin',
        message: 'a builtin extension is part of Goosuke; Goose cannot run it',
      });
      continue;
    }
    let key = keyOfName.get(extension.name);
    const named = key === undefined ? undefined : file[key];
    if (isGooseEntry(named) && typeof named.type === 'string' && !holdableTypes.has(named.type)) {
      conflict(
        extension,
        `the file's entry ${key} of this name is a Goose ${named.type} extension; rename one of them`,
      );
      continue;
    }
    if (key === undefined) {
      key = gooseKeyOf(extension.name);
      const there = file[key];
      if (Object.hasOwn(file, key) && isGooseEntry(there)) {
        conflict(
          extension,
          `the file's entry ${key} is named ${gooseEntryName(key, there)}; rename one of them`,
        );
        continue;
      }
    }
    if (claimed.has(key)) {
      conflict(extension, `another extension of Goosuke is written at ${key}; rename one of them`);
      continue;
    }
    claimed.add(key);
    const { edit, skippedFields } = planGooseEntry(extension, key, file[key]);
    const fields = [...Object.keys(edit.set), ...edit.remove];
    const change = edit.create ? 'added' : fields.length > 0 ? 'updated' : 'unchanged';
    if (change !== 'unchanged') plan.edits.push(edit);
    plan.report.written.push({ key, name: extension.name, id: extension.id, change, fields, skippedFields });
  }
  return plan;
}
