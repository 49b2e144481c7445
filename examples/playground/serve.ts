// `npm run playground`: builds the playground into build/playground/ and serves it on
// 127.0.0.1 (PORT, default 8080) with the cross-origin isolation headers (COOP/COEP), so
// SharedArrayBuffer is available to the page for a threaded build of the kernels.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, relative, resolve } from 'node:path';
import { ROOT, buildPlayground } from './build.js';

export const ISOLATION_HEADERS: Readonly<Record<string, string>> = {
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-embedder-policy': 'require-corp',
};

const TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8',
  '.idx': 'application/octet-stream',
};

/** Serves `dir` on 127.0.0.1:`port` (0: any free port); resolves with the server and its URL. */
export async function servePlayground(dir: string, port: number): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => {
    const text = (status: number, body: string): void => {
      res.writeHead(status, { ...ISOLATION_HEADERS, 'content-type': 'text/plain' });
      res.end(body);
    };
    let path: string;
    try {
      path = decodeURIComponent((req.url ?? '/').split('?')[0]);
    } catch {
      text(400, 'bad request: the path is not valid percent-encoding');
      return;
    }
    const target = resolve(dir, `.${path === '/' ? '/index.html' : path}`);
    const inside = !relative(dir, target).startsWith('..');
    let body: Buffer;
    try {
      if ((req.method !== 'GET' && req.method !== 'HEAD') || !inside || !existsSync(target) || !statSync(target).isFile()) {
        text(404, 'not found');
        return;
      }
      body = readFileSync(target);
    } catch {
      text(404, 'not found');   // gone or unreadable between the checks and the read
      return;
    }
    res.writeHead(200, { ...ISOLATION_HEADERS, 'content-type': TYPES[extname(target)] ?? 'application/octet-stream', 'cache-control': 'no-store' });
    res.end(body);
  });
  await new Promise<void>((ok, fail) => {
    server.once('error', fail);
    server.listen(port, '127.0.0.1', () => ok());
  });
  const { port: bound } = server.address() as AddressInfo;
  return { server, url: `http://127.0.0.1:${bound}/` };
}

async function main(): Promise<void> {
  const dir = join(ROOT, 'build', 'playground');
  await buildPlayground(dir);
  const port = Number(process.env.PORT ?? 8080);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`actlab: PORT must be a port number, got ${process.env.PORT}`);
  const { url } = await servePlayground(dir, port);
  console.log(`actlab playground: ${url} (Ctrl-C to stop)`);
}

// Run only as the script itself (run-ts.mjs bundles it to build/run/serve.mjs), not when the test imports it.
if (process.argv[1]?.endsWith(`${join('build', 'run', 'serve.mjs')}`)) {
  main().catch((e: unknown) => {
    console.error(e instanceof Error ? e.message : String(e));
    process.exit(1);
  });
}
