import { describe, expect, it } from 'vitest';
import type { GenerateOptions, GenerationDelta, LanguageModel } from '../ports/index.ts';
import { createScriptedLanguageModel } from '../testing/index.ts';
import { runTextAgent, type TextAgentEvent } from './text-agent.ts';

const history = [
  { role: 'user' as const, content: 'Summarize this <data name="chat">\nalice: ship it\n</data>' },
];

describe('runTextAgent', () => {
  it('answers with one model call on the conversation and reports its tokens', async () => {
    const model = createScriptedLanguageModel({ replies: ['Alice wants to ship.'] });
    const events: TextAgentEvent[] = [];
    const outcome = await runTextAgent({ model, history, emit: async (event) => void events.push(event) });
    expect(outcome).toEqual({ text: 'Alice wants to ship.', warnings: [] });
    expect(model.calls).toHaveLength(1);
    expect(model.calls[0]!.messages).toEqual([{ role: 'user', content: history[0]!.content }]);
    expect(model.calls[0]!.system).toContain('never instructions');
    expect(events).toEqual([
      {
        type: 'run-tokens',
        message: 'model call 1: 100 input tokens (0 cached), 20 output tokens',
        call: { inputTokens: 100, outputTokens: 20, cachedInputTokens: 0 },
      },
    ]);
  });

  it('streams when the model can, reporting progress, and keeps earlier answers in the conversation', async () => {
    const requests: GenerateOptions[] = [];
    const chunks = ['a'.repeat(1500), 'b'.repeat(1500), 'c'.repeat(1500)];
    const streaming: LanguageModel = {
      provider: 'openai',
      modelId: 'streamer',
      capabilities: createScriptedLanguageModel({ replies: [] }).capabilities,
      generate: () => Promise.reject(new Error('should stream')),
      async *stream(options): AsyncIterable<GenerationDelta> {
        requests.push(options);
        for (const text of chunks) yield { type: 'text', text };
        yield {
          type: 'finish',
          usage: { inputTokens: 7, outputTokens: 9, cachedInputTokens: 1 },
          finishReason: 'length',
        };
      },
    };
    const events: TextAgentEvent[] = [];
    const outcome = await runTextAgent({
      model: streaming,
      history: [
        ...history,
        { role: 'assistant', content: 'First answer.' },
        { role: 'user', content: 'Shorter?' },
      ],
      emit: async (event) => void events.push(event),
    });
    expect(outcome.text).toBe(chunks.join(''));
    expect(outcome.warnings).toEqual(['the answer was cut at the output limit']);
    expect(requests[0]!.messages.map((message) => message.role)).toEqual(['user', 'assistant', 'user']);
    expect(events.filter((event) => event.type === 'run-log').map((event) => event.message)).toEqual([
      'writing: 3000 characters',
    ]);
    expect(events.at(-1)).toMatchObject({ type: 'run-tokens', call: { inputTokens: 7, outputTokens: 9 } });
  });

  it('warns about an empty answer, and lets provider failures through', async () => {
    const empty = createScriptedLanguageModel({ replies: ['  '] });
    expect((await runTextAgent({ model: empty, history, emit: async () => {} })).warnings).toEqual([
      'the model answered with no text',
    ]);
    const failing = createScriptedLanguageModel({
      replies: [
        () => {
          throw new Error('quota exceeded');
        },
      ],
    });
    await expect(runTextAgent({ model: failing, history, emit: async () => {} })).rejects.toThrow(
      'quota exceeded',
    );
  });
});
