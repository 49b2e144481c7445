// An edge-style inference handler: a module whose default export is `{ fetch(request) }`,
// the shape `deno serve`, Cloudflare Workers and Bun.serve take as they are. It uses the
// core entry only (no Node API), so it runs wherever Wasm SIMD does; test/edge.test.ts
// serves it with `deno serve` and test/edge-workerd.test.ts with workerd (Cloudflare's runtime).
//
//   deno serve --host 127.0.0.1 examples/edge/handler.ts   (after swapping the import below for 'actlab')
//
// The module exports `default` only: workerd takes every named export of a worker's main
// module for an entrypoint (limits live in limits.ts). `init()` runs at the top level, where
// Cloudflare Workers let it compile the kernels (there it loads them before it returns).
//
// Routes are one table: a saved model's `/predict` becomes one more entry whose handler
// loads the model once (like `ready` below) and runs it on the posted input.
//
// GET  /            what this handler offers: routes and the activation registry
// POST /activation  {"activation": "swish", "x": [..], "params": {"beta": 1.5}} -> f(x) and f'(x)
//
// Non-finite results (exponential(100) = Infinity) become null, as JSON has no Infinity or NaN.
import { activations, getActivation, init, type ActivationParams } from '../../src/index.js';
import { MAX_POINTS } from './limits.js';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

class RequestError extends Error {}

const ready = init();

function reply(status: number, body: Json): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' },
  });
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function finiteNumbers(v: unknown, what: string): number[] {
  if (!Array.isArray(v)) throw new RequestError(`actlab: ${what} must be an array of numbers`);
  if (v.length > MAX_POINTS) throw new RequestError(`actlab: ${what} has ${v.length} values; at most ${MAX_POINTS} per request`);
  return v.map((e, i) => {
    if (typeof e !== 'number' || !Number.isFinite(e)) throw new RequestError(`actlab: ${what}[${i}] must be a finite number, got ${JSON.stringify(e)}`);
    return e;
  });
}

function toJson(a: Float32Array): (number | null)[] {
  return Array.from(a, (v) => (Number.isFinite(v) ? v : null));
}

/** POST /activation: f(x) and f'(x) from the Wasm kernels. */
function activationRoute(body: unknown): Json {
  if (!isRecord(body)) throw new RequestError('actlab: expected a JSON object {"activation": name, "x": [numbers], "params"?: {name: number}}');
  if (typeof body.activation !== 'string') throw new RequestError('actlab: "activation" must be a string (GET / lists the names)');
  let row;
  try {
    row = getActivation(body.activation);
  } catch (e) {
    throw new RequestError(e instanceof Error ? e.message : String(e));
  }
  const x = new Float32Array(finiteNumbers(body.x, '"x"'));
  const params: Record<string, number> = {};
  if (body.params !== undefined) {
    if (!isRecord(body.params)) throw new RequestError('actlab: "params" must be an object of numbers');
    for (const [k, v] of Object.entries(body.params)) {
      if (typeof v !== 'number') throw new RequestError(`actlab: params.${k} must be a number, got ${JSON.stringify(v)}`);
      params[k] = v;
    }
  }
  const p: ActivationParams = params;
  try {
    return { activation: row.name, params, f: toJson(activations.apply(row.name, x, p)), df: toJson(activations.derivative(row.name, x, p)) };
  } catch (e) {
    // The core validates parameter names and ranges; its messages say what was expected.
    throw new RequestError(e instanceof Error ? e.message : String(e));
  }
}

const POST_ROUTES: Readonly<Record<string, (body: unknown) => Json>> = {
  '/activation': activationRoute,
};

function describeRoutes(): Json {
  return {
    name: 'actlab edge handler',
    routes: { 'GET /': 'this description', 'POST /activation': '{"activation", "x": [numbers], "params"?} -> {"f", "df"}' },
    maxPoints: MAX_POINTS,
    activations: activations.list().map((a) => ({
      name: a.name,
      params: a.params.map((q) => ({ name: q.name, default: q.default, min: q.min, max: q.max, doc: q.doc })),
    })),
  };
}

/** Handles one request; never throws (a failure is a JSON error response). */
async function fetch(request: Request): Promise<Response> {
  const path = new URL(request.url).pathname;
  try {
    await ready;
    if (path === '/' && request.method === 'GET') return reply(200, describeRoutes());
    const route = POST_ROUTES[path];
    if (route === undefined) return reply(404, { error: `actlab: no route ${path}; GET / lists them` });
    if (request.method !== 'POST') return reply(405, { error: `actlab: ${path} takes POST, got ${request.method}` });
    let body: unknown;
    try {
      body = await request.json();
    } catch {
      return reply(400, { error: 'actlab: the request body is not JSON' });
    }
    return reply(200, route(body));
  } catch (e) {
    if (e instanceof RequestError) return reply(400, { error: e.message });
    return reply(500, { error: e instanceof Error ? e.message : String(e) });
  }
}

export default { fetch };
