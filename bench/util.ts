// Shared benchmark plumbing: wall-clock timing, medians, interleaved peers, tables.
import { cpus, loadavg } from 'node:os';

export function now(): number { return performance.now(); }

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Milliseconds of CPU time this process has used (user + system). */
export function cpuMs(): number {
  const c = process.cpuUsage();
  return (c.user + c.system) / 1000;
}

/**
 * Times each contestant `reps` times, interleaved (a, b, a, b, ...) so that load changes on
 * a shared machine hit both alike; returns the median milliseconds of each. `clock` is
 * wall time by default; pass cpuMs to count only the time this process ran (both peers run
 * on this one thread, and CPU time leaves out the time other jobs held the core).
 */
export function interleave(reps: number, fns: (() => void)[], clock: () => number = now): number[] {
  const times: number[][] = fns.map(() => []);
  // Warm-up: V8 compiles a Wasm function with its baseline compiler first and swaps in the
  // optimised code after a few calls; three rounds get every contestant there.
  for (let w = 0; w < 3; w++) for (const fn of fns) fn();
  for (let r = 0; r < reps; r++) {
    fns.forEach((fn, i) => {
      const t0 = clock();
      fn();
      times[i].push(clock() - t0);
    });
  }
  return times.map(median);
}

/** A machine line for every table: CPU, cores, load averages, Node version. */
export function machine(): string {
  const c = cpus();
  return `${c[0]?.model ?? 'unknown CPU'}, ${c.length} cores, load ${loadavg().map((v) => v.toFixed(2)).join(' ')}, Node ${process.version}`;
}

/** Renders rows as a Markdown table. */
export function table(header: string[], rows: (string | number)[][]): string {
  const line = (cells: (string | number)[]): string => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

export function geomean(xs: number[]): number {
  return Math.exp(xs.reduce((s, v) => s + Math.log(v), 0) / xs.length);
}

/** n seeded float32 values in [-1, 1) (mulberry32 integer steps), so runs compare the same data. */
export function seededFill(n: number, seed: number): Float32Array {
  let a = seed >>> 0;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    out[i] = ((t ^ (t >>> 14)) >>> 0) / 2147483648 - 1;
  }
  return out;
}
