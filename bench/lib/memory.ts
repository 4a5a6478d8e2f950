import { readFileSync } from 'node:fs';

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

/** CPU seconds (user + system) used so far by a process and its children that are alive, from /proc. */
export function treeCpuSeconds(pid: number): number | undefined {
  try {
    const ticks = 100; // USER_HZ on Linux
    let total = 0;
    const visit = (p: number) => {
      const stat = readFileSync(`/proc/${p}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      total += (Number(fields[11]) + Number(fields[12])) / ticks;
      const children = readFileSync(`/proc/${p}/task/${p}/children`, 'utf8').trim();
      for (const child of children ? children.split(/\s+/) : []) visit(Number(child));
    };
    visit(pid);
    return total;
  } catch {
    return undefined;
  }
}
