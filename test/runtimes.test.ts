// The same workload (test/runtimes/determinism.ts, bundled against dist/index.js) in Node,
// Deno, Bun, headless Chromium and headless Firefox ESR must give one SHA-256, and that
// hash is pinned here, so any change to the numbers fails loudly.
//
// Updating EXPECTED_SHA256 (only when a numeric change is intended: a kernel, a section, the inputs):
//   1. npm run build && npx vitest run test/runtimes.test.ts
//   2. Check that 'every runtime gives the same bytes, section by section' passes: the five
//      runtimes must still agree with each other, or the change broke determinism and must
//      be fixed instead.
//   3. Copy the hash the failing runtime tests print ("got <hash>") into EXPECTED_SHA256,
//      and say in the commit message why the numbers changed.
import { execFileSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CHROMIUM_BIN, FIREFOX_BIN, ROOT, binPath, bundleWorkload, killAll, runChromium, runCli, runFirefox, versionOf,
  type Bundles, type RunResult,
} from './runtimes/runners.js';
import { checkMnist } from './runtimes/determinism.js';
import { mnistSubset } from './runtimes/mnist-subset.js';

const EXPECTED_SHA256 = 'ff9f281bec014df7ad5659dcfb58357fca50a5793b249a4b5e16e184f2451c05';

const CI = process.env.CI === 'true' || process.env.CI === '1';
/** Per runtime; generous because Chromium and Firefox start slowly on two shared cores. */
const RUN_TIMEOUT_MS = 45_000;

type Runtime = 'node' | 'deno' | 'bun' | 'chromium' | 'firefox';
const BROWSER_BIN: Partial<Record<Runtime, string>> = { chromium: CHROMIUM_BIN, firefox: FIREFOX_BIN };
const DEBIAN_PACKAGE: Partial<Record<Runtime, string>> = { chromium: 'chromium', firefox: 'firefox-esr' };

/** Why a runtime is skipped here (outside CI, a browser that is not installed), or undefined when it runs. */
function skipReason(runtime: Runtime): string | undefined {
  const bin = BROWSER_BIN[runtime];
  if (bin === undefined || existsSync(bin) || CI) return undefined;
  return `skipped outside CI: ${bin} not found (apt-get install ${DEBIAN_PACKAGE[runtime]}); with CI=true this fails`;
}

const RUNTIMES: readonly Runtime[] = ['node', 'deno', 'bun', 'chromium', 'firefox'];
let bundles: Bundles | undefined;
const runs = new Map<Runtime, Promise<RunResult>>();
const finished = new Map<Runtime, RunResult>();

function start(runtime: Runtime, b: Bundles): Promise<RunResult> {
  switch (runtime) {
    case 'node': case 'deno': case 'bun': return runCli(runtime, b, RUN_TIMEOUT_MS);
    case 'chromium': return runChromium(b, RUN_TIMEOUT_MS);
    case 'firefox': return runFirefox(b, RUN_TIMEOUT_MS);
  }
}

async function run(runtime: Runtime): Promise<RunResult> {
  const bin = BROWSER_BIN[runtime];
  if (bin !== undefined && !existsSync(bin)) {
    throw new Error(`actlab: ${runtime} is required in CI but ${bin} is missing (apt-get install ${DEBIAN_PACKAGE[runtime]})`);
  }
  const p = runs.get(runtime);
  if (p === undefined) throw new Error(`actlab: ${runtime} was not started (bundling failed?)`);
  const r = await p;
  finished.set(runtime, r);
  return r;
}

beforeAll(async () => {
  // A no-op when dist/ is newer than its inputs, as it is under `npm test`.
  execFileSync(process.execPath, [join(ROOT, 'scripts', 'build.mjs'), '--if-needed'], { cwd: ROOT, stdio: 'inherit', timeout: 110_000 });
  bundles = await bundleWorkload();
  for (const r of RUNTIMES) {
    const reason = skipReason(r);
    if (reason !== undefined) console.warn(`actlab: ${r} ${reason}`);
  }
  // All runtimes at once: each test then only waits for its own.
  for (const r of RUNTIMES) {
    const bin = BROWSER_BIN[r];
    if (bin !== undefined && !existsSync(bin)) continue;
    const p = start(r, bundles);
    p.catch(() => undefined);
    runs.set(r, p);
  }
}, 120_000);

afterAll(async () => {
  killAll();
  if (bundles !== undefined) rmSync(bundles.dir, { recursive: true, force: true });
  const versions: Record<Runtime, () => Promise<string>> = {
    node: async () => process.version,
    deno: () => versionOf(binPath('deno')),
    bun: () => versionOf(binPath('bun')),
    chromium: () => versionOf(CHROMIUM_BIN),
    firefox: () => versionOf(FIREFOX_BIN),
  };
  const lines: string[] = [];
  for (const [runtime, r] of finished) {
    lines.push(`  ${runtime.padEnd(9)} ${r.report.sha256}  raw ${r.report.rawSha256.slice(0, 16)}  ` +
      `${String(Math.round(r.ms)).padStart(5)} ms  ${await versions[runtime]()}`);
  }
  // "raw" hashes NaNs as the engine left them; they may differ (see determinism.ts), the canonical hash may not.
  if (lines.length) console.log(`actlab runtimes (expected ${EXPECTED_SHA256}):\n${lines.join('\n')}\n${sectionTable()}`);
});

/** Each section's hash, and which finished runtimes gave it (all of them, when they agree). */
function sectionTable(): string {
  const all = [...finished.values()];
  const names = [...new Set(all.flatMap((r) => r.report.sections.map((s) => s.name)))];
  const rows = names.map((name) => {
    const byHash = new Map<string, string[]>();
    for (const r of all) {
      const s = r.report.sections.find((t) => t.name === name);
      const key = s === undefined ? '(missing)' : s.sha256;
      byHash.set(key, [...(byHash.get(key) ?? []), r.runtime]);
    }
    const hashes = [...byHash].map(([h, rs]) => `${h}${byHash.size > 1 || rs.length < RUNTIMES.length ? `  (${rs.join(', ')})` : ''}`);
    return `  ${name.padEnd(12)} ${hashes.join(`\n  ${' '.repeat(13)}`)}`;
  });
  return `sections (${all.length} runtimes):\n${rows.join('\n')}`;
}

/** Every section hash of every finished runtime that differs from Node's (or the first finished one's). */
function disagreements(): string[] {
  const all = [...finished.values()];
  const base = all[0];
  if (base === undefined) return [];
  const out: string[] = [];
  for (const r of all.slice(1)) {
    base.report.sections.forEach((s, i) => {
      const t = r.report.sections[i];
      if (t === undefined || t.name !== s.name || t.sha256 !== s.sha256) {
        out.push(`section ${s.name}: ${base.runtime} ${s.sha256} but ${r.runtime} ${t?.name ?? '(missing)'} ${t?.sha256 ?? ''}`);
      }
    });
  }
  return out;
}

describe('one workload, one hash, in every runtime', () => {
  for (const runtime of RUNTIMES) {
    const reason = skipReason(runtime);
    it.skipIf(reason !== undefined)(`${runtime}${reason ? ` (${reason})` : ''}`, async () => {
      const r = await run(runtime);
      const sections = r.report.sections.map((s) => `  ${s.name}: ${s.sha256} (${s.values} values, ${s.nans} NaNs, ${s.nansRewritten} rewritten)`).join('\n');
      expect(r.report.sha256, `${runtime} (${r.userAgent || 'no userAgent'}): the numbers changed: got ${r.report.sha256}, ` +
        `expected ${EXPECTED_SHA256}; sections:\n${sections}\nSee the top of test/runtimes.test.ts for how to update it.`)
        .toBe(EXPECTED_SHA256);
    }, RUN_TIMEOUT_MS + 30_000);
  }

  it('every runtime gives the same bytes, section by section', async () => {
    await Promise.allSettled([...runs.values()]);
    for (const [runtime, p] of runs) {
      const r = await p.catch(() => undefined);
      if (r !== undefined) finished.set(runtime, r);
    }
    expect(finished.size, 'no runtime finished').toBeGreaterThan(0);
    expect(disagreements()).toEqual([]);
  }, RUN_TIMEOUT_MS + 30_000);
});

describe('the training section\'s inputs', () => {
  it('accepts the 2,000-image subset and refuses other IDX bytes with an actlab: error', () => {
    const good = mnistSubset(2000);
    expect(() => checkMnist(good)).not.toThrow();
    const fewer = mnistSubset(1999);
    expect(() => checkMnist(fewer)).toThrow(/^actlab: the training section needs the 2000-image MNIST subset.*got images: magic 0x803, dims 1999 x 28 x 28/);
    expect(() => checkMnist({ images: good.labels, labels: good.images })).toThrow(/got images: magic 0x801, dims 2000, 2008 bytes/);
    expect(() => checkMnist({ images: good.images.subarray(0, 100), labels: good.labels })).toThrow(/got images: magic 0x803, dims 2000 x 28 x 28, 100 bytes/);
    expect(() => checkMnist({ images: good.images, labels: new Uint8Array(3) })).toThrow(/labels: 3 bytes, too short for its IDX header$/);
  });
});
