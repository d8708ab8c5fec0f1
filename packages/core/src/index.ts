/**
 * @goosuke/core: Goosuke's domain schemas, ports, services and edit engine.
 * Pure: zod is the only runtime dependency and nothing here touches `node:` I/O.
 */

export * from './actor/index.ts';
export * from './agents/index.ts';
export * from './auth/index.ts';
export { createGoosuke, type Goosuke, type GoosukeDependencies } from './create-goosuke.ts';
export * from './domain/index.ts';
export * from './edits/index.ts';
export * from './errors/index.ts';
export * from './models/index.ts';
export * from './ports/index.ts';
export * from './pull-requests/index.ts';
export * from './runs/index.ts';
export * from './secrets/index.ts';
export * from './services/index.ts';
export * from './triggers/index.ts';
