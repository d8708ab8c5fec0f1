import {
  credentialName,
  type GooseEntry,
  type GooseImportSkip,
  type GooseImportSkipReason,
  gooseDefaultTimeoutSeconds,
  gooseEntryName,
  gooseOnlyTypes,
  holdableTypes,
  isGooseEntry,
  textOf,
} from './goose-config.ts';

// Reading Goose's entries as Goosuke extensions (see goose-config.ts for the format).

/** A Goose environment variable or header as Goosuke's service takes it; a secret may have no value. */
export interface GooseNamedValue {
  name: string;
  value?: string;
  secret: boolean;
}

/** An entry of Goose's file read as the fields of a Goosuke extension, not yet checked against Goosuke's limits. */
export interface GooseImportCandidate {
  key: string;
  name: string;
  fields: {
    name: string;
    description: string;
    type: 'stdio' | 'sse' | 'streamable_http';
    command?: string;
    args: string[];
    uri?: string;
    headers: GooseNamedValue[];
    env: GooseNamedValue[];
    timeoutSeconds: number;
    enabled: boolean;
  };
  /** What the import did that its reader should know (secrets kept sealed, fields left out). */
  notes: string[];
}

class EntryProblem extends Error {}

/** `value` as a list of strings (scalars read as Goose reads them), or an EntryProblem naming `field`. */
function textList(value: unknown, field: string): string[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw new EntryProblem(`${field} must be a list of strings`);
  return value.map((item) => {
    const text = textOf(item);
    if (text === undefined) throw new EntryProblem(`${field} must be a list of strings`);
    return text;
  });
}

/** `value` as a map of strings, in the file's order, or an EntryProblem naming `field`. */
function textMap(value: unknown, field: string): Array<[string, string]> {
  if (value === undefined || value === null) return [];
  if (!isGooseEntry(value)) throw new EntryProblem(`${field} must be a mapping of names to strings`);
  return Object.entries(value).map(([name, item]) => {
    const text = textOf(item);
    if (text === undefined) throw new EntryProblem(`${field}.${name} must be a string`);
    return [name, text];
  });
}

function sealedNote(kind: string, names: readonly string[]): string[] {
  return names.length === 0
    ? []
    : [
        `${kind} ${names.join(', ')} kept secret (sealed, never shown): their names say they hold credentials`,
      ];
}

/** The fields of a Goosuke extension from Goose's entry `entry` at `key`, or why it cannot be one. */
function readEntry(key: string, entry: GooseEntry): GooseImportCandidate | GooseImportSkip {
  const name = gooseEntryName(key, entry);
  const skip = (reason: GooseImportSkipReason, message: string): GooseImportSkip => ({
    key,
    name,
    reason,
    message,
  });
  const type = entry.type;
  if (typeof type !== 'string') return skip('invalid', 'the entry has no type');
  if (gooseOnlyTypes.has(type)) {
    return skip('unsupported_type', `a Goose ${type} extension runs inside Goose; Goosuke cannot run it`);
  }
  if (!holdableTypes.has(type)) {
    return skip('unsupported_type', `type ${type} is not one Goosuke knows (stdio, sse, streamable_http)`);
  }
  try {
    if (entry.enabled !== undefined && typeof entry.enabled !== 'boolean') {
      throw new EntryProblem('enabled must be true or false');
    }
    const description = entry.description ?? '';
    if (typeof description !== 'string') throw new EntryProblem('description must be a string');
    const timeout = entry.timeout ?? gooseDefaultTimeoutSeconds;
    if (typeof timeout !== 'number' || !Number.isInteger(timeout) || timeout <= 0) {
      throw new EntryProblem('timeout must be a whole number of seconds');
    }
    const common = {
      name,
      description,
      timeoutSeconds: timeout,
      enabled: entry.enabled ?? true,
    };
    const notes: string[] = [];
    if (type === 'stdio') {
      if (typeof entry.cmd !== 'string' || entry.cmd.trim() === '') {
        throw new EntryProblem('a stdio extension needs cmd, the command to start');
      }
      const keys = [...new Set(textList(entry.env_keys, 'env_keys'))];
      const plain = textMap(entry.envs, 'envs').filter(([variable]) => !keys.includes(variable));
      const sealed = plain
        .filter(([variable]) => credentialName.test(variable))
        .map(([variable]) => variable);
      notes.push(...sealedNote('envs', sealed));
      if (keys.length > 0) {
        notes.push(
          `env_keys ${keys.join(', ')}: secret variables whose values Goose keeps in its keyring or secrets.yaml, out of Goosuke's reach`,
        );
      }
      return {
        key,
        name,
        notes,
        fields: {
          ...common,
          type,
          command: entry.cmd,
          args: textList(entry.args, 'args'),
          headers: [],
          env: [
            ...plain.map(([variable, value]) => ({
              name: variable,
              value,
              secret: sealed.includes(variable),
            })),
            ...keys.map((variable) => ({ name: variable, secret: true })),
          ],
        },
      };
    }
    if (typeof entry.uri !== 'string' || entry.uri.trim() === '') {
      throw new EntryProblem(`a ${type} extension needs uri, the server's URL`);
    }
    const headers = textMap(entry.headers, 'headers');
    const sealed = headers.filter(([header]) => credentialName.test(header)).map(([header]) => header);
    notes.push(...sealedNote('headers', sealed));
    if (textMap(entry.envs, 'envs').length > 0 || textList(entry.env_keys, 'env_keys').length > 0) {
      notes.push(
        'envs and env_keys were left out: Goosuke gives HTTP extensions headers, not an environment',
      );
    }
    return {
      key,
      name,
      notes,
      fields: {
        ...common,
        type: type as 'sse' | 'streamable_http',
        uri: entry.uri,
        args: [],
        env: [],
        headers: headers.map(([header, value]) => ({ name: header, value, secret: sealed.includes(header) })),
      },
    };
  } catch (error) {
    if (error instanceof EntryProblem) return skip('invalid', error.message);
    throw error;
  }
}

/**
 * Reads the entries of Goose's `extensions:` mapping (as plain values) as Goosuke extension
 * fields, in the file's order: an entry Goosuke cannot hold (Goose's own types, a malformed one,
 * a second entry of a name) is skipped with the reason. Only Goose's shape is checked here;
 * Goosuke's own limits are the service's.
 */
export function readGooseExtensions(extensions: Readonly<Record<string, unknown>>): {
  candidates: GooseImportCandidate[];
  skipped: GooseImportSkip[];
} {
  const candidates: GooseImportCandidate[] = [];
  const skipped: GooseImportSkip[] = [];
  const seen = new Map<string, string>();
  for (const [key, entry] of Object.entries(extensions)) {
    if (!isGooseEntry(entry)) {
      skipped.push({ key, name: null, reason: 'invalid', message: 'the entry is not a mapping of fields' });
      continue;
    }
    const read = readEntry(key, entry);
    if ('reason' in read) {
      skipped.push(read);
      continue;
    }
    const first = seen.get(read.name);
    if (first !== undefined) {
      skipped.push({
        key,
        name: read.name,
        reason: 'duplicate',
        message: `the entry at ${first} has the same name; only that one was read`,
      });
      continue;
    }
    seen.set(read.name, key);
    candidates.push(read);
  }
  return { candidates, skipped };
}
