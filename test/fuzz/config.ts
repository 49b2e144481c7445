// Shared settings for the property tests. CI runs a bounded number of cases per property
// (the whole directory stays well under a minute on two shared cores) from a fixed seed,
// so a failure reproduces exactly; a long run on demand:
//
//   ACTLAB_FUZZ_RUNS=100000 npx vitest run test/fuzz            # same seed, many more cases
//   ACTLAB_FUZZ_SEED=123 ACTLAB_FUZZ_RUNS=20000 npx vitest run test/fuzz   # another seed
//
// fast-check's failure message carries the seed, the shrunk counterexample and a `path`;
// pass both back (`{ seed, path }`) to replay just that case.
import fc from 'fast-check';

function envInt(name: string): number | undefined {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return undefined;
  const v = Number(raw);
  if (!Number.isSafeInteger(v)) throw new Error(`${name} must be an integer, got '${raw}'`);
  return v;
}

const RUNS = envInt('ACTLAB_FUZZ_RUNS');
/** The seed every property uses (fixed in CI). */
export const FUZZ_SEED = envInt('ACTLAB_FUZZ_SEED') ?? 0x5eed_ac7;

/** fc.assert parameters: `ciRuns` cases unless ACTLAB_FUZZ_RUNS overrides; the timeout scales with it. */
export function fuzz<T>(ciRuns: number): fc.Parameters<T> {
  return { seed: FUZZ_SEED, numRuns: RUNS ?? ciRuns };
}

/** Test timeout in ms for a property with `ciRuns` cases: generous when the run count is raised. */
export function timeoutFor(ciRuns: number, msPerRun = 20): number {
  return Math.max(60_000, (RUNS ?? ciRuns) * msPerRun);
}

/** Float32 values that break kernels: signed zeros, subnormals, the largest finite values, infinities, NaN. */
export const EXTREMES: readonly number[] = [
  0, -0, 1.4e-45, -1.4e-45, 1.1754942e-38, -1.1754942e-38, 1.17549435e-38, 1e-30, -1e-30,
  1e30, -1e30, 3.4028234663852886e38, -3.4028234663852886e38, Infinity, -Infinity, NaN, 1, -1,
].map(Math.fround);

/** Any float32: mostly moderate values, often an extreme one, sometimes any bit pattern. */
export function f32Value(moderate = 20): fc.Arbitrary<number> {
  const m = Math.fround(moderate);
  return fc.oneof(
    { arbitrary: fc.float({ min: -m, max: m, noNaN: true }), weight: 6 },
    { arbitrary: fc.constantFrom(...EXTREMES), weight: 2 },
    { arbitrary: fc.float(), weight: 2 },
  );
}

/** Finite float32 values only (moderate range mostly, occasionally large or subnormal). */
export function f32Finite(moderate = 20): fc.Arbitrary<number> {
  const m = Math.fround(moderate);
  return fc.oneof(
    { arbitrary: fc.float({ min: -m, max: m, noNaN: true }), weight: 8 },
    { arbitrary: fc.float({ noNaN: true, noDefaultInfinity: true }), weight: 1 },
  );
}

/** A Float32Array of `min`..`max` values drawn from `value`. */
export function f32Array(value: fc.Arbitrary<number>, min = 0, max = 40): fc.Arbitrary<Float32Array> {
  return fc.array(value, { minLength: min, maxLength: max }).map((a) => Float32Array.from(a));
}
