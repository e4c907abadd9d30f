// How much memory a model will take and how much the machine has, checked before anything is allocated:
// a model that does not fit fails at once with the numbers and the dtype that would fit, instead of the
// process being killed by the OS halfway through a 13 GB load.
import * as fs from "node:fs";
import * as os from "node:os";

const GB = 1e9;

export function formatBytes(n: number): string {
  if (n >= GB) return `${(n / GB).toFixed(n >= 10 * GB ? 1 : 2)} GB`;
  return `${Math.round(n / 1e6)} MB`;
}

function readNumber(file: string): number | undefined {
  try {
    const text = fs.readFileSync(file, "utf8").trim();
    const value = Number(text);
    return Number.isFinite(value) ? value : undefined; // cgroup's "max" means no limit
  } catch {
    return undefined;
  }
}

/**
 * Bytes this process can still take: the kernel's MemAvailable (free memory plus what the page cache can
 * give back), capped by the cgroup's limit when one is set (a container's memory.max), else os.freemem().
 */
export function availableMemory(): number {
  // TENSORBOOK_MEMORY_AVAILABLE (bytes) pretends the machine has that much free: to rehearse a laptop's
  // limits on a larger machine, and for the tests of the checks below
  const pretend = Number(process.env.TENSORBOOK_MEMORY_AVAILABLE);
  if (process.env.TENSORBOOK_MEMORY_AVAILABLE !== undefined && Number.isFinite(pretend)) return pretend;
  let available = os.freemem();
  try {
    const m = /^MemAvailable:\s+(\d+) kB$/m.exec(fs.readFileSync("/proc/meminfo", "utf8"));
    if (m) available = Number(m[1]) * 1024;
  } catch {
    // not Linux: os.freemem() it is
  }
  const limit = readNumber("/sys/fs/cgroup/memory.max");
  const used = readNumber("/sys/fs/cgroup/memory.current");
  if (limit !== undefined && used !== undefined) available = Math.min(available, limit - used);
  return available;
}

/** What a model needs, by part. */
export interface MemoryNeed {
  weights: number;
  kvCache: number;
  /** Activations, conversion staging and the runtime's own share. */
  working: number;
}

export const total = (need: MemoryNeed): number => need.weights + need.kvCache + need.working;

export function describeNeed(need: MemoryNeed): string {
  return `${formatBytes(total(need))} (weights ${formatBytes(need.weights)} + KV cache ${formatBytes(need.kvCache)} + ${formatBytes(need.working)} working memory)`;
}
