// The requests every edge-handler test sends (test/edge.test.ts under deno serve,
// test/edge-workerd.test.ts under workerd), in this order: the first one is the server's
// very first request. Each answer must equal the core's own, computed here in Node.
import { expect, it } from 'vitest';
import { activations } from '../src/index.js';
import { MAX_POINTS } from '../examples/edge/limits.js';

const asJson = (a: Float32Array) => Array.from(a, (v) => (Number.isFinite(v) ? v : null));

/** Registers the edge handler's tests; `base()` is the server's origin (http://127.0.0.1:port), known once beforeAll ran. */
export function edgeCases(base: () => string): void {
  async function post(path: string, body: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
    const res = await fetch(`${base()}${path}`, { method: 'POST', body: typeof body === 'string' ? body : JSON.stringify(body) });
    return { status: res.status, json: await res.json() };
  }

  it('GET / (the first request) lists the routes and every activation', async () => {
    const res = await fetch(`${base()}/`);
    const text = await res.text();
    expect(res.status, text).toBe(200);
    const json: { activations: { name: string }[]; maxPoints: number } = JSON.parse(text);
    expect(json.activations.map((a) => a.name)).toEqual(activations.names());
    expect(json.maxPoints).toBe(MAX_POINTS);
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
      ['/activation', { activation: 'elu', x: new Array(MAX_POINTS + 1).fill(0) }, 400, new RegExp(`at most ${MAX_POINTS} per request`)],
      ['/activation', '{not json', 400, /not JSON/],
      ['/missing', {}, 404, /no route \/missing/],
    ];
    for (const [path, body, status, message] of cases) {
      const r = await post(path, body);
      expect(r.status, `${path} ${JSON.stringify(body).slice(0, 80)}`).toBe(status);
      expect(String(r.json.error)).toMatch(/^actlab: /);
      expect(String(r.json.error)).toMatch(message);
    }
    const get = await fetch(`${base()}/activation`);
    expect(get.status).toBe(405);
  });
}
