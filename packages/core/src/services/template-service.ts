import { z } from 'zod';
import { type Template, templateParameterSchema, templateSchema } from '../domain/index.ts';
import { ConflictError, GoosukeError, InvalidInputError, NotFoundError } from '../errors/index.ts';
import { isoNow } from '../ports/clock.ts';
import type { ListOptions, Page, Store } from '../ports/store.ts';
import {
  type BuiltInTemplateDefinition,
  summarizeConversationTemplate,
  summarizeConversationTemplateName,
} from '../triggers/built-in-templates.ts';
import { checkTemplate } from '../triggers/render-template.ts';
import { parseInput } from './parse-input.ts';
import { agentProfileOf, requireAgentSpec } from './run-agents.ts';
import type { ServiceContext } from './service-context.ts';

/** A template parameter as given: only name and type are required. */
export const templateParameterInputSchema = z
  .object({
    name: templateParameterSchema.shape.name,
    type: templateParameterSchema.shape.type,
    description: templateParameterSchema.shape.description.default(''),
    required: templateParameterSchema.shape.required.default(false),
    options: templateParameterSchema.shape.options.default(null),
    default: templateParameterSchema.shape.default.default(null),
  })
  .strict()
  .meta({ id: 'TemplateParameterInput' });

/** Input of {@link TemplateService.create}. */
export const createTemplateInputSchema = z
  .object({
    name: templateSchema.shape.name,
    description: templateSchema.shape.description.default(''),
    prompt: templateSchema.shape.prompt,
    parameters: z.array(templateParameterInputSchema).max(50).default([]),
    /** Models the template's runs use unless the trigger names others. */
    defaultModelProfileIds: templateSchema.shape.defaultModelProfileIds.max(16).default([]),
    /** Coding agents the template's runs use beside its models unless the trigger names others. */
    defaultAgents: templateSchema.shape.defaultAgents.max(16).default([]),
    /** Grant the agents the shell commands they ask for; default false. */
    allowShell: templateSchema.shape.allowShell.default(false),
    /** Each run's spending limit in US dollars; default none. */
    maxCostUsd: templateSchema.shape.maxCostUsd.default(null),
    /** Each run's token limit; default none. */
    maxTokens: templateSchema.shape.maxTokens.default(null),
    extensionIds: templateSchema.shape.extensionIds.max(50).default([]),
    /** `text`: one answer (a text task); `patch` or `pull-request`: changes to a repository. */
    outputKind: templateSchema.shape.outputKind.default('text'),
    repoId: templateSchema.shape.repoId.default(null),
  })
  .strict()
  .meta({ id: 'CreateTemplateInput' });
/** Input to create a template. */
export type CreateTemplateInput = z.input<typeof createTemplateInputSchema>;

/** Input of {@link TemplateService.update}: the fields to change. */
export const updateTemplateInputSchema = z
  .object({
    name: templateSchema.shape.name.optional(),
    description: templateSchema.shape.description.optional(),
    prompt: templateSchema.shape.prompt.optional(),
    parameters: z.array(templateParameterInputSchema).max(50).optional(),
    defaultModelProfileIds: templateSchema.shape.defaultModelProfileIds.max(16).optional(),
    defaultAgents: templateSchema.shape.defaultAgents.max(16).optional(),
    allowShell: templateSchema.shape.allowShell.optional(),
    maxCostUsd: templateSchema.shape.maxCostUsd.optional(),
    maxTokens: templateSchema.shape.maxTokens.optional(),
    extensionIds: templateSchema.shape.extensionIds.max(50).optional(),
    outputKind: templateSchema.shape.outputKind.optional(),
    repoId: templateSchema.shape.repoId.optional(),
  })
  .strict()
  .meta({ id: 'UpdateTemplateInput' });
/** Input to update a template. */
export type UpdateTemplateInput = z.input<typeof updateTemplateInputSchema>;

/** A template by id or, failing that, by name, read with `source` (a transaction's store too). NotFoundError when neither matches. */
export async function findTemplate(source: Store, idOrName: string): Promise<Template> {
  const template = (await source.templates.get(idOrName)) ?? (await source.templates.getByName(idOrName));
  if (template === null) throw new NotFoundError('template', idOrName);
  return template;
}

/** The names Goosuke's built-in templates take; no user template may use them. */
export const builtInTemplateNames: readonly string[] = [summarizeConversationTemplateName];

/** Templates: prompts with typed parameters that actions fill in. */
export interface TemplateService {
  /**
   * Stores a template after checking its prompt against its parameters (every placeholder
   * declared, defaults of the right type, enum options), that its models, extensions and repo
   * exist, that its agents are known (built in or added) and only on a `patch`/`pull-request`
   * template, each with a model of a provider its wire speaks when one is named (else the first
   * such profile is taken when a run is made), and that a `patch`/`pull-request` template is not
   * bound to a missing repo.
   * ConflictError for a name in use (built-in names included); InvalidInputError or
   * NotFoundError otherwise.
   */
  create(input: CreateTemplateInput): Promise<Template>;
  /** NotFoundError when missing. */
  get(id: string): Promise<Template>;
  /** By id or, failing that, by name. NotFoundError when neither matches. */
  resolve(idOrName: string): Promise<Template>;
  list(options?: ListOptions): Promise<Page<Template>>;
  /** Changes the given fields, with the same checks as `create` on the result. NotFoundError when missing. */
  update(id: string, input: UpdateTemplateInput): Promise<Template>;
  /** NotFoundError when missing; ConflictError while actions use it (they name it). */
  delete(id: string): Promise<void>;
  /**
   * The built-in `summarize-conversation` template, stored on first use (concurrent first uses
   * store it once). Its prompt and parameters may be edited like any template's; its name is kept.
   */
  ensureSummarizeConversation(): Promise<Template>;
}

/** Builds the template service. */
export function createTemplateService(context: ServiceContext): TemplateService {
  const { store, clock, ids } = context;

  async function get(id: string): Promise<Template> {
    const template = await store.templates.get(id);
    if (template === null) throw new NotFoundError('template', id);
    return template;
  }

  /** The checks a stored template must pass, on the template as it would be stored. */
  async function check(source: Store, template: Template): Promise<void> {
    checkTemplate(template);
    for (const id of template.defaultModelProfileIds) {
      if ((await source.models.get(id)) === null) throw new NotFoundError('model profile', id);
    }
    if (template.defaultAgents.length > 0 && template.outputKind === 'text') {
      throw new InvalidInputError(
        `template ${template.name} answers in text: agents change repositories, so only patch and pull-request templates take them`,
        [{ path: ['defaultAgents'], message: 'agents need a patch or pull-request template' }],
      );
    }
    for (const entry of template.defaultAgents) {
      const spec = await requireAgentSpec(source, entry.agent);
      if (entry.model !== undefined) await agentProfileOf(source, spec, entry.model);
    }
    for (const id of template.extensionIds) {
      if ((await source.extensions.get(id)) === null) throw new NotFoundError('extension', id);
    }
    if (template.repoId !== null && (await source.repos.get(template.repoId)) === null) {
      throw new NotFoundError('repo', template.repoId);
    }
  }

  async function insertBuiltIn(definition: BuiltInTemplateDefinition): Promise<Template> {
    const existing = await store.templates.getByName(definition.name);
    if (existing !== null) return existing;
    const now = isoNow(clock);
    try {
      return await store.templates.insert({
        id: ids.next('template'),
        ...definition,
        defaultModelProfileIds: [],
        defaultAgents: [],
        allowShell: false,
        maxCostUsd: null,
        maxTokens: null,
        extensionIds: [],
        repoId: null,
        createdAt: now,
        updatedAt: now,
      });
    } catch (error) {
      // Another caller stored it first.
      const stored = await store.templates.getByName(definition.name);
      if (GoosukeError.isInstance(error) && error.code === 'conflict' && stored !== null) return stored;
      throw error;
    }
  }

  return {
    async create(raw) {
      const input = parseInput(createTemplateInputSchema, raw, 'template');
      if (builtInTemplateNames.includes(input.name)) {
        throw new ConflictError(`the name ${input.name} belongs to a built-in template; choose another`);
      }
      const now = isoNow(clock);
      const template: Template = { id: ids.next('template'), ...input, createdAt: now, updatedAt: now };
      return store.transaction(async (tx) => {
        await check(tx, template);
        return tx.templates.insert(template);
      });
    },

    get,

    resolve: (idOrName) => findTemplate(store, idOrName),

    list(options) {
      return store.templates.list(options);
    },

    async update(id, raw) {
      const input = parseInput(updateTemplateInputSchema, raw, 'template update');
      return store.transaction(async (tx) => {
        const current = await tx.templates.get(id);
        if (current === null) throw new NotFoundError('template', id);
        if (input.name !== undefined && input.name !== current.name) {
          if (builtInTemplateNames.includes(current.name)) {
            throw new ConflictError(`the built-in template ${current.name} cannot be renamed`);
          }
          if (builtInTemplateNames.includes(input.name)) {
            throw new ConflictError(`the name ${input.name} belongs to a built-in template; choose another`);
          }
        }
        const next: Template = { ...current, ...input, updatedAt: isoNow(clock) };
        await check(tx, next);
        const { id: _id, createdAt: _createdAt, ...patch } = next;
        return tx.templates.update(id, patch);
      });
    },

    async delete(id) {
      await store.transaction(async (tx) => {
        if ((await tx.templates.get(id)) === null) throw new NotFoundError('template', id);
        const users = await tx.actions.list({ templateId: id, limit: 10 });
        if (users.items.length > 0) {
          const names = users.items.map((action) => action.name).join(', ');
          throw new ConflictError(
            `template ${id} is used by ${users.nextCursor === null ? '' : 'actions including '}${names}; delete those actions or bind them to another template first`,
          );
        }
        await tx.templates.delete(id);
      });
    },

    ensureSummarizeConversation: () => insertBuiltIn(summarizeConversationTemplate),
  };
}
