/**
 * @goosuke/google/testing: a loopback fake of the Gemini API for end-to-end tests of code
 * that uses `@goosuke/google` (or `@google/genai` directly).
 */
export {
  type FakeGoogleFunctionCall,
  type FakeGoogleReply,
  type FakeGoogleRequest,
  type FakeGoogleRequestBody,
  type FakeGoogleServer,
  type FakeGoogleServerOptions,
  type FakeGoogleUsage,
  startFakeGoogleServer,
} from './fake-google-server.ts';
export { isolateGoogleEnvironment } from './google-environment-guard.ts';
