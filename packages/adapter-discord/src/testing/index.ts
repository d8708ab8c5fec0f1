/**
 * @goosuke/adapter-discord/testing: a loopback fake of Discord (REST API v10 and the gateway on one
 * port) that the real discord.js Client logs in to, for this package's tests and end-to-end tests.
 */

export { startFakeDiscordServer } from './fake-discord-server.ts';
export type {
  FakeAttachment,
  FakeChannelInput,
  FakeDiscordServer,
  FakeDiscordServerOptions,
  FakeFailure,
  FakeGuildInput,
  FakeInteractionInput,
  FakeInteractionResponses,
  FakeMemberInput,
  FakeMessage,
  FakeMessageInput,
  FakeReaction,
  FakeRoleInput,
  FakeUser,
  FakeUserInput,
  RecordedRequest,
} from './fake-discord-types.ts';
