// The real git CLI for fixtures (asynchronous: a test server may run in this process).
export { gitFixtureEnvironment as fixtureEnvironment, runGit } from '@goosuke/core/testing';
