import { actionRoutes } from './action-routes.ts';
import { agentRoutes } from './agent-routes.ts';
import { authRoutes } from './auth-routes.ts';
import { catalogRoutes } from './catalog-routes.ts';
import { extensionRoutes } from './extension-routes.ts';
import { pullRequestRoutes } from './pull-request-routes.ts';
import type { HttpRoute } from './route.ts';
import { runRoutes } from './run-routes.ts';
import { sessionRoutes } from './session-routes.ts';
import { settingsRoutes } from './settings-routes.ts';
import { systemRoutes } from './system-routes.ts';
import { taskRoutes } from './task-routes.ts';
import { templateRoutes } from './template-routes.ts';
import { userRoutes } from './user-routes.ts';

/** Every route of the API, in document order (by tag). */
export const httpRoutes: readonly HttpRoute[] = [
  ...systemRoutes,
  ...authRoutes,
  ...sessionRoutes,
  ...userRoutes,
  ...catalogRoutes,
  ...agentRoutes,
  ...extensionRoutes,
  ...taskRoutes,
  ...runRoutes,
  ...pullRequestRoutes,
  ...settingsRoutes,
  ...templateRoutes,
  ...actionRoutes,
];
