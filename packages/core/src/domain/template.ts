import { z } from 'zod';
import { agentRunInputSchema } from './agent.ts';
import { idSchema, timestampSchema } from './common.ts';
import { runSchema } from './run.ts';

/** One typed parameter of a template's prompt, filled in by the trigger. */
export const templateParameterSchema = z
  .object({
    name: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'a parameter name is an identifier'),
    /** `string` is one line; `text` may span many lines (transcripts, bodies). */
    type: z.enum(['string', 'text', 'number', 'boolean', 'enum']),
    description: z.string().max(1000),
    required: z.boolean(),
    /** Allowed values when `type` is `enum`. */
    options: z.array(z.string()).nullable(),
    default: z.union([z.string(), z.number(), z.boolean()]).nullable(),
  })
  .meta({ id: 'TemplateParameter' });
/** A template parameter. */
export type TemplateParameter = z.infer<typeof templateParameterSchema>;

/** What a template's runs produce. */
export const templateOutputKindSchema = z
  .enum(['text', 'patch', 'pull-request'])
  .meta({ id: 'TemplateOutputKind' });

/** A prompt with typed parameters, default models and extensions; actions bind triggers to it. */
export const templateSchema = z
  .object({
    id: idSchema,
    name: z.string().min(1).max(200),
    description: z.string().max(2000),
    /** The prompt, with `{{parameter}}` placeholders. */
    prompt: z.string().min(1).max(100_000),
    parameters: z.array(templateParameterSchema),
    defaultModelProfileIds: z.array(idSchema),
    /**
     * Coding agents the template's runs use beside its models unless the trigger names others
     * (`patch` and `pull-request` templates only).
     */
    defaultAgents: z.array(agentRunInputSchema),
    /** Grant agents of the template's runs the shell commands they ask permission for (see `Run.allowShell`). */
    allowShell: z.boolean(),
    /** Each of the template's runs' spending limit in US dollars (see `Run.maxCostUsd`); null: none. */
    maxCostUsd: runSchema.shape.maxCostUsd,
    /** Each of the template's runs' token limit (see `Run.maxTokens`); null: none. */
    maxTokens: runSchema.shape.maxTokens,
    extensionIds: z.array(idSchema),
    outputKind: templateOutputKindSchema,
    /** The repo the template's tasks run on by default; null once that repo is deleted. */
    repoId: idSchema.nullable(),
    createdAt: timestampSchema,
    updatedAt: timestampSchema,
  })
  .meta({ id: 'Template' });
/** A template. */
export type Template = z.infer<typeof templateSchema>;
