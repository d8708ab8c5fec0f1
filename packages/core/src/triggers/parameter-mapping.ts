import { z } from 'zod';
import { InvalidInputError } from '../errors/index.ts';

/** One step of a parsed path: a property name or an array index. */
type PathStep = string | number;

// `$`, then `.name`, `[0]` or `['any name']` / `["any name"]` steps.
const stepPattern =
  /\.([A-Za-z_$][A-Za-z0-9_$-]*)|\[(\d+)\]|\['((?:[^'\\]|\\.)*)'\]|\["((?:[^"\\]|\\.)*)"\]/y;

/**
 * Parses a JSON path of the small form mappings use: `$` (the whole value), then any number of
 * `.name`, `[index]` and `['quoted name']` steps, e.g. `$.pull_request.title` or
 * `$.commits[0]['author name']`. InvalidInputError for anything else.
 */
export function parseJsonPath(path: string): PathStep[] {
  if (!path.startsWith('$')) {
    throw new InvalidInputError(`invalid path "${path}": a path starts with $ (e.g. $.issue.title)`);
  }
  const steps: PathStep[] = [];
  let at = 1;
  while (at < path.length) {
    stepPattern.lastIndex = at;
    const match = stepPattern.exec(path);
    if (match === null) {
      throw new InvalidInputError(
        `invalid path "${path}" at character ${at + 1}: use .name, [index] or ['name'] steps`,
      );
    }
    if (match[1] !== undefined) steps.push(match[1]);
    else if (match[2] !== undefined) steps.push(Number(match[2]));
    else steps.push((match[3] ?? match[4]!).replace(/\\(.)/g, '$1'));
    at = stepPattern.lastIndex;
  }
  return steps;
}

/** The value at `path` inside `data`, or undefined when some step does not exist. */
export function readJsonPath(data: unknown, path: string): unknown {
  let current: unknown = data;
  for (const step of parseJsonPath(path)) {
    if (current === null || typeof current !== 'object') return undefined;
    if (typeof step === 'number') {
      if (!Array.isArray(current)) return undefined;
      current = current[step];
    } else {
      if (Array.isArray(current) || !Object.hasOwn(current, step)) return undefined;
      current = (current as Record<string, unknown>)[step];
    }
  }
  return current;
}

/** A parameter mapping: template parameter name → JSON path into the trigger data. */
export const parameterMappingSchema = z
  .record(
    z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'a parameter name'),
    z
      .string()
      .max(500)
      .superRefine((path, context) => {
        try {
          parseJsonPath(path);
        } catch (error) {
          context.addIssue({ code: 'custom', message: (error as Error).message });
        }
      }),
  )
  .meta({ id: 'ParameterMapping' });

/**
 * Fills template parameters from trigger data (a webhook's JSON body): for each mapped name,
 * the value at its path. Strings, numbers and booleans are taken as they are; objects and arrays
 * become indented JSON text; a missing value or null leaves the parameter out (so its default,
 * or a "required" error, applies).
 */
export function mapParameters(
  mapping: Readonly<Record<string, string>>,
  data: unknown,
): Record<string, string | number | boolean> {
  const values: Record<string, string | number | boolean> = {};
  for (const [name, path] of Object.entries(mapping)) {
    const value = readJsonPath(data, path);
    if (value === undefined || value === null) continue;
    values[name] =
      typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean'
        ? value
        : JSON.stringify(value, null, 2);
  }
  return values;
}
