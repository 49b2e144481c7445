// Bulk copies and fills (Wasm bulk-memory instructions): tensor clones, zeroing gradients,
// and the copy-bandwidth probe that the benchmarks compare elementwise kernels with.

/** y[0..n) = x[0..n); the ranges may overlap. */
export function f32_copy(n: i32, x: usize, y: usize): void { memory.copy(y, x, <usize>n << 2); }

/** y[0..n) = v */
export function f32_fill(n: i32, y: usize, v: f32): void {
  const end = <usize>n << 2, body = end & ~15;
  const vv = f32x4.splat(v);
  let o: usize = 0;
  for (; o < body; o += 16) v128.store(y + o, vv);
  for (; o < end; o += 4) store<f32>(y + o, v);
}

/** dst row r = src row idx[r] for rows of `cols` floats (batch gathering; idx are i32). */
export function f32_gather_rows(rows: i32, cols: i32, src: usize, idx: usize, dst: usize): void {
  const row = <usize>cols << 2;
  for (let r = 0; r < rows; r++) {
    const from = src + <usize>load<i32>(idx + (<usize>r << 2)) * row;
    memory.copy(dst + <usize>r * row, from, row);
  }
}
