// The GEMM tests' view of the shared seeded generator (test/helpers/random.ts).
import { mulberry32 } from './random.js';
import { uniform } from './mulberry32.js';

export { mulberry32 };

/** Float32 values uniform in [lo, hi) from `next`. */
export const uniformF32 = uniform;
