// The edge handler (examples/edge/handler.ts) under Deno: bundled against dist/index.js,
// served by `deno serve` (which takes the module's default `{ fetch }` export as it is) on
// 127.0.0.1, and driven over HTTP from here. Its answers must equal the core's own.
import { execFileSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { activations, init } from '../src/index.js';
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

async function post(path: string, body: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(`${base}${path}`, { method: 'POST', body: typeof body === 'string' ? body : JSON.stringify(body) });
  return { status: res.status, json: await res.json() };
}

const asJson = (a: Float32Array) => Array.from(a, (v) => (Number.isFinite(v) ? v : null));

describe('edge handler under deno serve', () => {
  it('GET / lists the routes and every activation', async () => {
    const res = await fetch(`${base}/`);
    expect(res.status).toBe(200);
    const json: { activations: { name: string }[] } = await res.json();
    expect(json.activations.map((a) => a.name)).toEqual(activations.names());
  });

  it('POST /activation returns the core\'s f and f\' bit for bit, with parameters', async () => {
    const x = [-3, -1.5, -0.25, 0, 0.1, 0.5, 2, 7.75];
    for (const [name, params] of [['gelu', {}], ['swish', { beta: 1.5 }], ['elu', { alpha: 0.3 }], ['hardTanh', { min: -2, max: 0.5 }]] as const) {
      const r = await post('/activation', { activation: name, x, params });
      expect(r.status, JSON.stringify(r.json)).toBe(200);
      expect(r.json.f, name).toEqual(asJson(activations.apply(name, new Float32Array(x), params)));
      expect(r.json.df, name).toEqual(asJson(activations.derivative(name, new Float32Array(x), params)));
    }
  });

  it('non-finite results come back as null', async () => {
    const r = await post('/activation', { activation: 'exponential', x: [1, 100] });
    expect(r.json.f).toEqual([asJson(activations.apply('exponential', new Float32Array([1])))[0], null]);
  });

  it('bad requests get a 4xx with an actlab: message naming the problem', async () => {
    const cases: [string, unknown, number, RegExp][] = [
      ['/activation', { activation: 'nope', x: [1] }, 400, /unknown activation 'nope'/],
      ['/activation', { activation: 'elu', x: [1], params: { alpha: -1 } }, 400, /'alpha' = -1 is out of range/],
      ['/activation', { activation: 'elu', x: [1], params: { gamma: 1 } }, 400, /has no parameter 'gamma'/],
      ['/activation', { activation: 'elu', x: [1, 'a'] }, 400, /"x"\[1\] must be a finite number/],
      ['/activation', { activation: 'elu', x: new Array(65537).fill(0) }, 400, /at most 65536/],
      ['/activation', '{not json', 400, /not JSON/],
      ['/missing', {}, 404, /no route \/missing/],
    ];
    for (const [path, body, status, message] of cases) {
      const r = await post(path, body);
      expect(r.status, `${path} ${JSON.stringify(body).slice(0, 80)}`).toBe(status);
      expect(String(r.json.error)).toMatch(/^actlab: /);
      expect(String(r.json.error)).toMatch(message);
    }
    const get = await fetch(`${base}/activation`);
    expect(get.status).toBe(405);
  });
});
