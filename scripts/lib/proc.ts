// Readers of Linux's /proc: a process's memory and CPU time, and the machine's busy time, so the bench
// and the load test can say what a server used and how much other processes took meanwhile.
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";

/** VmRSS (now) and VmHWM (peak) in MiB; undefined where /proc is not readable. */
export function memoryOf(pid: number): { rssMiB: number; hwmMiB: number } | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    const kib = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(status)?.[1]);
    return { rssMiB: kib("VmRSS") / 1024, hwmMiB: kib("VmHWM") / 1024 };
  } catch {
    return undefined;
  }
}

/** Milliseconds per clock tick of /proc's CPU times (USER_HZ, 100 on every Linux the bench runs on). */
export const MS_PER_TICK = (() => {
  const hz = Number(spawnSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).stdout?.trim());
  return 1000 / (Number.isFinite(hz) && hz > 0 ? hz : 100);
})();

/** One process's CPU time in clock ticks: utime + stime, plus cutime + cstime (reaped children) if asked. */
export function processTicks(pid: number | "self", withChildren: boolean): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Fields after the parenthesised command name (which may contain spaces): state is index 0.
    const fields = stat
      .slice(stat.lastIndexOf(")") + 2)
      .split(" ")
      .map(Number);
    return fields[11]! + fields[12]! + (withChildren ? fields[13]! + fields[14]! : 0);
  } catch {
    return 0;
  }
}

export interface CpuSnapshot {
  /** All CPUs' ticks. */
  total: number;
  /** All CPUs' non-idle ticks. */
  busy: number;
  /** Ticks of this process, its reaped children and the live processes named. */
  ours: number;
}

/** Machine-wide busy ticks vs our own (this process, reaped children, and the live `pids`). */
export function cpuSnapshot(pids: Iterable<number>): CpuSnapshot {
  try {
    const ticks = readFileSync("/proc/stat", "utf8")
      .split("\n")[0]!
      .trim()
      .split(/\s+/)
      .slice(1, 9)
      .map(Number);
    const total = ticks.reduce((a, b) => a + b, 0);
    const idle = ticks[3]! + ticks[4]!;
    let ours = processTicks("self", true);
    for (const pid of pids) ours += processTicks(pid, false);
    return { total, busy: total - idle, ours };
  } catch {
    return { total: 0, busy: 0, ours: 0 };
  }
}

/** Share of all CPUs' capacity used by other processes between two snapshots. */
export function foreignShare(before: CpuSnapshot, after: CpuSnapshot): number {
  const total = after.total - before.total;
  return total > 0
    ? Math.max(0, (after.busy - before.busy - (after.ours - before.ours)) / total)
    : Number.NaN;
}
