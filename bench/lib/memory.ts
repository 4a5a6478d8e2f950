import { readdirSync, readFileSync } from 'node:fs';

/** Resident set size in MB of a process and its children (a cluster's workers), from /proc; undefined where there is no /proc. */
export function treeRssMb(pid: number): number | undefined {
  try {
    let kb = 0;
    const visit = (p: number) => {
      const status = readFileSync(`/proc/${p}/status`, 'utf8');
      kb += Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
      const children = readFileSync(`/proc/${p}/task/${p}/children`, 'utf8').trim();
      for (const child of children ? children.split(/\s+/) : []) visit(Number(child));
    };
    visit(pid);
    return Math.round(kb / 1024);
  } catch {
    return undefined;
  }
}

/** USER_HZ on Linux: /proc's CPU times are in these ticks. */
const TICKS_PER_SECOND = 100;

/**
 * /proc/<pid>/stat's CPU seconds: user + system, and with `exitedChildren` also those of its
 * children it has waited for (fields 14-17 of proc(5), counted after the command's parentheses).
 */
function statCpuSeconds(stat: string, exitedChildren = false): number {
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]) + (exitedChildren ? Number(fields[13]) + Number(fields[14]) : 0);
  return ticks / TICKS_PER_SECOND;
}

/** CPU seconds (user + system) used so far by a process and its children that are alive, from /proc. */
export function treeCpuSeconds(pid: number): number | undefined {
  try {
    let total = 0;
    const visit = (p: number) => {
      total += statCpuSeconds(readFileSync(`/proc/${p}/stat`, 'utf8'));
      const children = readFileSync(`/proc/${p}/task/${p}/children`, 'utf8').trim();
      for (const child of children ? children.split(/\s+/) : []) visit(Number(child));
    };
    visit(pid);
    return total;
  } catch {
    return undefined;
  }
}

/**
 * CPU seconds (user + system) each PostgreSQL process on this machine (the server the bench
 * shares its cores with) has used so far, by pid, from /proc; undefined where there is no /proc.
 */
export function postgresCpuSeconds(): Map<number, number> | undefined {
  try {
    const byPid = new Map<number, number>();
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      try {
        const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
        if (stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')) !== 'postgres') continue;
        byPid.set(Number(entry), statCpuSeconds(stat));
      } catch {
        // gone since the listing
      }
    }
    return byPid;
  } catch {
    return undefined;
  }
}

/** PostgreSQL's CPU seconds between two readings: a backend started since counts from zero, one that exited meanwhile drops out (a floor). */
export function postgresCpuSince(before: Map<number, number>): number | undefined {
  const after = postgresCpuSeconds();
  if (!after) return undefined;
  let total = 0;
  for (const [pid, seconds] of after) total += Math.max(0, seconds - (before.get(pid) ?? 0));
  return total;
}

/**
 * CPU seconds (user + system) this process has used so far, with its children that have exited
 * (the paced load generator runs in one; the servers under test are alive until the end, so not
 * counted), from /proc; undefined where there is no /proc.
 */
export function loadGeneratorCpuSeconds(): number | undefined {
  try {
    return statCpuSeconds(readFileSync('/proc/self/stat', 'utf8'), true);
  } catch {
    return undefined;
  }
}

/**
 * Busy CPU seconds of the whole machine so far, all cores together (user, nice, system, irq and
 * softirq of /proc/stat; not idle, iowait or steal); undefined where there is no /proc. Over a run,
 * divided by its wall time: how many of the machine's cores were in use, by anything.
 */
export function machineBusySeconds(): number | undefined {
  try {
    const [user, nice, system, , , irq, softirq] = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!.trim().split(/\s+/).slice(1).map(Number);
    return (user! + nice! + system! + irq! + softirq!) / TICKS_PER_SECOND;
  } catch {
    return undefined;
  }
}
