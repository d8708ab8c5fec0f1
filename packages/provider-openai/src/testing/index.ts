/**
 * @goosuke/openai/testing: a loopback fake of OpenAI's Chat Completions API for end-to-end
 * tests of code that uses `@goosuke/openai` (or the `openai` SDK directly).
 */
export {
  type FakeOpenAIRequest,
  type FakeOpenAIResponse,
  type FakeOpenAIServer,
  type FakeOpenAIServerOptions,
  type FakeOpenAIToolCall,
  type FakeOpenAIUsage,
  startFakeOpenAIServer,
} from './fake-openai-server.ts';
export { isolateOpenAIEnvironment } from './openai-environment-guard.ts';
