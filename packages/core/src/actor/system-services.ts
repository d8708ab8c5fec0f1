import type { Goosuke } from '../create-goosuke.ts';

/**
 * The trusted services the actor-scoped facade delegates to once the policy allowed a call:
 * the system view of the facade, without the operations only the system performs.
 */
export type SystemServices = Pick<
  Goosuke,
  | 'limits'
  | 'models'
  | 'repos'
  | 'tasks'
  | 'runs'
  | 'pullRequests'
  | 'github'
  | 'templates'
  | 'actions'
  | 'discord'
  | 'users'
  | 'auth'
  | 'tokens'
  | 'settings'
  | 'agents'
  | 'extensions'
>;
