import type { z } from 'zod';
import { InvalidInputError } from '../errors/index.ts';

/**
 * Parses untrusted input with a zod schema, turning every issue into one
 * InvalidInputError (trust boundary helper for services and adapters).
 *
 * @throws InvalidInputError listing every problem.
 */
export function parseInput<Schema extends z.ZodType>(
  schema: Schema,
  input: unknown,
  subject: string,
): z.output<Schema> {
  const result = schema.safeParse(input);
  if (!result.success) throw InvalidInputError.fromIssues(subject, result.error.issues);
  return result.data;
}
