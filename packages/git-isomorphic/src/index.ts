/**
 * @goosuke/git-isomorphic: Goosuke's GitBackend on isomorphic-git (pure JavaScript), and the
 * directory Workspace its working copies are read and written through.
 */
export { createDirectoryWorkspace, type DirectoryWorkspaceOptions } from './directory-workspace.ts';
export {
  createIsomorphicGitBackend,
  type GitProgressEvent,
  type IsomorphicGitBackendOptions,
} from './isomorphic-git-backend.ts';
