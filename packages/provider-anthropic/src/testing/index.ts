export { isolateAnthropicEnvironment } from './anthropic-environment-guard.ts';
export {
  type FakeAnthropicErrorReply,
  type FakeAnthropicMessageReply,
  type FakeAnthropicReply,
  type FakeAnthropicRequest,
  type FakeAnthropicRequestBody,
  type FakeAnthropicScript,
  type FakeAnthropicServer,
  type FakeAnthropicServerOptions,
  type FakeAnthropicToolCall,
  type FakeAnthropicUsage,
  fakeAnthropicError,
  fakeAnthropicText,
  fakeAnthropicToolCalls,
  startFakeAnthropicServer,
} from './fake-anthropic-server.ts';
