export {
  type FakeOpenAIRequest,
  type FakeOpenAIResponse,
  type FakeOpenAIServer,
  type FakeOpenAIServerOptions,
  type FakeOpenAIToolCall,
  type FakeOpenAIUsage,
  startFakeOpenAIServer,
} from './fake-openai-server.ts';
