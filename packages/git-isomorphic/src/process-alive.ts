/**
 * Whether a process with this id exists on this machine (clones are local, so the processes
 * that leave scratch directories or half-built snapshots behind are too).
 */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
