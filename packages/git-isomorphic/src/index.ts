/**
 * @goosuke/git-isomorphic: Goosuke's GitBackend on isomorphic-git (pure JavaScript), and the
 * directory Workspace its working copies are read and written through.
 */

export type { GitProgressEvent, IsomorphicGitBackendOptions } from './backend-options.ts';
export { createDirectoryWorkspace, type DirectoryWorkspaceOptions } from './directory-workspace.ts';
export type { GitTransport } from './git-transport.ts';
export { createIsomorphicGitBackend } from './isomorphic-git-backend.ts';
