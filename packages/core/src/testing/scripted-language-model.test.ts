import { describe, expect, it } from 'vitest';
import { resolveModelCapabilities } from '../domain/index.ts';
import { ProviderError } from '../errors/index.ts';
import { createScriptedLanguageModel } from './scripted-language-model.ts';

describe('createScriptedLanguageModel', () => {
  it('answers in script order, turning strings into stop generations with the default usage', async () => {
    const model = createScriptedLanguageModel({ replies: ['one', 'two'] });
    const first = await model.generate({ messages: [{ role: 'user', content: 'hi' }] });
    expect(first).toEqual({
      text: 'one',
      toolCalls: [],
      usage: { inputTokens: 100, outputTokens: 20, cachedInputTokens: 0 },
      finishReason: 'stop',
    });
    expect((await model.generate({ messages: [] })).text).toBe('two');
  });

  it('records every request, and passes each to a function reply with its index', async () => {
    const model = createScriptedLanguageModel({
      usage: { inputTokens: 7, outputTokens: 3, cachedInputTokens: 1 },
      replies: [
        'plain',
        (request, index) => `call ${index} saw ${request.messages.length} messages`,
        async () => ({
          text: 'cut',
          toolCalls: [],
          usage: { inputTokens: 1, outputTokens: 2, cachedInputTokens: 0 },
          finishReason: 'length' as const,
        }),
      ],
    });
    const first = await model.generate({ system: 's', messages: [{ role: 'user', content: 'a' }] });
    expect(first.usage).toEqual({ inputTokens: 7, outputTokens: 3, cachedInputTokens: 1 });
    const second = await model.generate({
      messages: [
        { role: 'user', content: 'a' },
        { role: 'assistant', content: 'b' },
      ],
    });
    expect(second.text).toBe('call 1 saw 2 messages');
    const third = await model.generate({ messages: [], maxOutputTokens: 5 });
    expect(third.finishReason).toBe('length');
    expect(model.calls.map((call) => call.messages.length)).toEqual([1, 2, 0]);
    expect(model.calls[0]!.system).toBe('s');
    expect(model.calls[2]!.maxOutputTokens).toBe(5);
  });

  it('throws a clear error when the script runs out', async () => {
    const model = createScriptedLanguageModel({ replies: ['only'] });
    await model.generate({ messages: [] });
    await expect(model.generate({ messages: [] })).rejects.toThrow(/called 2 times but has only 1 replies/);
    expect(model.calls).toHaveLength(2);
  });

  it('lets a function reply throw, e.g. a ProviderError', async () => {
    const model = createScriptedLanguageModel({
      replies: [
        () => {
          throw new ProviderError('openai', 'rate limited', { status: 429 });
        },
      ],
    });
    await expect(model.generate({ messages: [] })).rejects.toBeInstanceOf(ProviderError);
  });

  it('rejects with the reason of a signal aborted before the call', async () => {
    const model = createScriptedLanguageModel({ replies: ['never'] });
    const controller = new AbortController();
    const reason = new Error('canceled by the user');
    controller.abort(reason);
    await expect(model.generate({ messages: [], signal: controller.signal })).rejects.toBe(reason);
    expect(model.calls).toHaveLength(1);
  });

  it('rejects with the reason of a signal aborted while it waits', async () => {
    const model = createScriptedLanguageModel({ replies: ['late'], delayMs: 60_000 });
    const controller = new AbortController();
    const reason = new Error('stop now');
    const pending = model.generate({ messages: [], signal: controller.signal });
    controller.abort(reason);
    await expect(pending).rejects.toBe(reason);
  });

  it('answers after the delay when nothing aborts', async () => {
    const model = createScriptedLanguageModel({ replies: ['after a while'], delayMs: 5 });
    const controller = new AbortController();
    expect((await model.generate({ messages: [], signal: controller.signal })).text).toBe('after a while');
  });

  it('takes capabilities from the table for provider and model, with overrides on top', () => {
    const claude = createScriptedLanguageModel({
      provider: 'anthropic',
      modelId: 'claude-sonnet-4-5',
      replies: [],
    });
    expect(claude.provider).toBe('anthropic');
    expect(claude.modelId).toBe('claude-sonnet-4-5');
    expect(claude.capabilities).toEqual(resolveModelCapabilities('anthropic', 'claude-sonnet-4-5'));
    const overridden = createScriptedLanguageModel({
      provider: 'openai',
      modelId: 'gpt-5.1',
      capabilities: { preferredEditFormat: 'whole-file', contextWindow: 50_000 },
      replies: [],
    });
    expect(overridden.capabilities).toEqual({
      ...resolveModelCapabilities('openai', 'gpt-5.1'),
      preferredEditFormat: 'whole-file',
      contextWindow: 50_000,
    });
    const defaults = createScriptedLanguageModel({ replies: [] });
    expect(defaults.capabilities).toEqual(resolveModelCapabilities('openai', 'scripted-model'));
    const unknown = createScriptedLanguageModel({ provider: 'my-lab', modelId: 'x', replies: [] });
    expect(unknown.capabilities).toEqual(resolveModelCapabilities('openai-compatible', 'x'));
  });
});
