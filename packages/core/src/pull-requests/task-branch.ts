/** Where task branches live: `goosuke/<short title>-<id>`. */
export const taskBranchPrefix = 'goosuke/';

/**
 * The branch a task's pull request is made on: `goosuke/<short title>-<id tail>`, lower-case
 * ASCII letters, digits and dashes only (a title in another script, CJK say, keeps just the id:
 * `goosuke/task-<id tail>`), at most 60 characters. Deterministic, and unique per task through
 * the id's last 8 characters.
 */
export function taskBranchName(task: { id: string; title: string }): string {
  const tail =
    task.id
      .replace(/[^A-Za-z0-9]/g, '')
      .slice(-8)
      .toLowerCase() || 'task';
  const slug = task.title
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
  const room = 60 - taskBranchPrefix.length - tail.length - 1;
  let short = slug.slice(0, room).replace(/-+$/g, '');
  // Cut at a word boundary when the cut fell inside a word.
  if (slug.length > room && slug[room] !== '-' && short.includes('-'))
    short = short.slice(0, short.lastIndexOf('-'));
  return `${taskBranchPrefix}${short === '' ? 'task' : short}-${tail}`;
}
