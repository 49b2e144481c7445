// The edge handler (examples/edge/handler.ts) under Deno: bundled against dist/index.js,
// served by `deno serve` (which takes the module's default `{ fetch }` export as it is) on
// 127.0.0.1, and driven over HTTP from here. Its answers must equal the core's own
// (the requests, shared with the workerd test, are in edge-cases.ts).
import { execFileSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe } from 'vitest';
import { init } from '../src/index.js';
import { edgeCases } from './edge-cases.js';
import { ROOT, binPath, bundleWithDist, cleanEnv, startChild, stopChild, withTimeout } from './runtimes/runners.js';

let dir = '';
let deno: ChildProcess | undefined;
let base = '';

beforeAll(async () => {
  execFileSync(process.execPath, [join(ROOT, 'scripts', 'build.mjs'), '--if-needed'], { cwd: ROOT, stdio: 'inherit', timeout: 110_000 });
  await init();
  dir = mkdtempSync(join(tmpdir(), 'actlab-edge-'));
  const bundle = join(dir, 'handler.mjs');
  await bundleWithDist(join(ROOT, 'examples', 'edge', 'handler.ts'), bundle);
  // deno serve grants itself the listening address; anything else the handler tried would be refused (--no-prompt).
  const child = startChild(binPath('deno'), ['serve', '--no-prompt', '--no-config', '--no-lock', '--no-remote', '--no-npm',
    '--host', '127.0.0.1', '--port', '0', bundle], cleanEnv(dir), dir);
  deno = child;
  let log = '';
  const listening = new Promise<string>((ok, fail) => {
    const onData = (d: Buffer) => {
      log += d.toString();
      const m = /Listening on (http:\/\/127\.0\.0\.1:\d+)\//.exec(log);
      if (m !== null) ok(m[1]);
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.on('exit', (code) => fail(new Error(`actlab: deno serve exited (${code}) before listening: ${log}`)));
  });
  base = await withTimeout(listening, 30_000, () => `deno serve (output: ${log})`);
}, 150_000);

afterAll(async () => {
  if (deno !== undefined) await stopChild(deno, 5_000);
  if (dir !== '') rmSync(dir, { recursive: true, force: true });
});

describe('edge handler under deno serve', () => edgeCases(() => base));
