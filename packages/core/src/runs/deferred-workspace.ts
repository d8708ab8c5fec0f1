import type { FileChange } from '../domain/index.ts';
import { normalizeWorkspacePath } from '../edits/workspace-path.ts';
import { GoosukeError, InvalidInputError } from '../errors/index.ts';
import type { CommitFiles, FileSize, Workspace } from '../ports/workspace.ts';

const utf8 = new TextEncoder();

/** A run's working copy that can be read before it exists; see {@link createDeferredWorkspace}. */
export interface DeferredWorkspace extends Workspace {
  /**
   * Every path of the change sets written so far, in the form given; undefined when some path was
   * not in normal form (`a/./b`, `a//b`, `../x`), so that a caller cannot be misled about which
   * files may have changed.
   */
  writtenPaths(): string[] | undefined;
}

/** Options of {@link createDeferredWorkspace}. */
export interface DeferredWorkspaceOptions {
  /** Where the copy is (being) made. */
  root: string;
  /** The commit the copy is made from. */
  base: CommitFiles;
  /**
   * Makes the copy, or returns the one being made: called on the first write (and by the owner
   * whenever it likes; it must return the same promise every time). A failure surfaces on the
   * first write.
   */
  copy: () => Promise<Workspace>;
}

const normalPath = /^(?!\/)(?:(?!\.\.?(?:\/|$))[^/]+\/)*(?!\.\.?$)[^/]+$/;

/**
 * The working copy of a run as its agent sees it while the copy is still being made: until the
 * first write, reads come from the base commit (a fresh copy holds exactly those files, and
 * nothing else writes to it), so the agent can choose its context and start its model call
 * before the copy exists; the first write makes the copy (unless the owner started it already)
 * and waits for it, and every later read goes to the copy. Its
 * `revision` is the base commit until then (context rankings are shared by revision). Reads of the
 * base follow the copy's path rule (`normalizeWorkspacePath`; a directory is refused), so the
 * answer to a read does not depend on whether the copy exists yet.
 *
 * Only for agents that change files through `writeFiles` alone (Goosuke's edit agent): a tool
 * that needs the directory itself (an agent CLI) must await the copy instead.
 */
export function createDeferredWorkspace(options: DeferredWorkspaceOptions): DeferredWorkspace {
  const { base, copy } = options;
  let writing = false;
  let normal = true;
  const written = new Set<string>();
  const ready = async (): Promise<Workspace> => {
    try {
      return await copy();
    } catch (error) {
      // Not an InvalidInputError even if the copy's was: the agent would take that for a
      // refusal of its edit and ask the model again, when the run cannot go on at all.
      if (GoosukeError.isInstance(error) && error.code !== 'invalid_input') throw error;
      throw new GoosukeError('internal', `the working copy ${options.root} could not be made`, {
        cause: error,
      });
    }
  };
  // Offered when the base lists sizes: then the context is chosen from the listing and the few
  // files it shows. After a write the copy answers (by reading, when it lists no sizes itself).
  const listSizes: Pick<Workspace, 'listSizes'> =
    base.listSizes === undefined
      ? {}
      : {
          async listSizes(listOptions) {
            if (!writing) return base.listSizes!(listOptions);
            const made = await ready();
            if (made.listSizes !== undefined) return made.listSizes(listOptions);
            const sizes: FileSize[] = [];
            for (const path of await made.listFiles(listOptions)) {
              const text = await made.readFile(path);
              if (text !== null) sizes.push({ path, bytes: utf8.encode(text).length });
            }
            return sizes;
          },
        };
  return {
    ...listSizes,
    root: options.root,
    get revision() {
      return writing ? undefined : base.revision;
    },
    async listFiles(listOptions) {
      return writing ? (await ready()).listFiles(listOptions) : base.listFiles(listOptions);
    },
    async readFile(path) {
      if (writing) return (await ready()).readFile(path);
      // The base knows nothing of workspace paths: the copy's rule applies before it is asked, so
      // that a read answers the same before and after the copy exists.
      const normal = normalizeWorkspacePath(path);
      const text = await base.readFile(normal);
      if (text === null && (await base.listFiles()).some((file) => file.startsWith(`${normal}/`))) {
        throw new InvalidInputError(`path ${normal} is a directory, not a file`);
      }
      return text;
    },
    async writeFiles(changes: readonly FileChange[]) {
      writing = true;
      await (await ready()).writeFiles(changes);
      // All or nothing: a refused change set wrote nothing, so only a written one is recorded.
      for (const change of changes) {
        written.add(change.path);
        if (!normalPath.test(change.path)) normal = false;
      }
    },
    writtenPaths: () => (normal ? [...written] : undefined),
  };
}
