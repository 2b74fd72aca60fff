/**
 * Who holds an import job's lease, and whether that process still lives.
 * A holder is `host:pid:start`, where `start` is the process's start time
 * from `/proc/<pid>/stat` (clock ticks since boot), so a pid the system has
 * given to a new process is not taken for the holder. A process that has
 * died but is not yet reaped by its parent (a zombie) holds nothing.
 * Without `/proc`, a holder is `host:pid` and `kill(pid, 0)` alone decides.
 */
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';

/** State (R, S, D, T, Z for a zombie, X...) and start time of a process, when `/proc` shows it. */
function procStat(pid: number | 'self'): { state: string; start: string } | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) is in parentheses and may hold spaces and ')'; the fields after it start at state (3).
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return { state: fields[0], start: fields[19] };
  } catch {
    return undefined;
  }
}

/** This process, as a lease holder. */
export const LEASE_HOLDER = [hostname(), process.pid, procStat('self')?.start].filter((part) => part !== undefined).join(':');

/**
 * False when the holder is surely dead: on this host, its pid is gone, is a
 * zombie, or is now another process (its start time differs). True when it
 * lives, or runs on another host (its lease then ends only by expiring).
 */
export function holderAlive(holder: string): boolean {
  const [host, pidText, start] = holder.split(':');
  if (host !== hostname()) return true;
  const pid = Number(pidText);
  try {
    process.kill(pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  const stat = procStat(pid);
  if (!stat) return true;
  return stat.state !== 'Z' && stat.state !== 'X' && (start === undefined || start === stat.start);
}
