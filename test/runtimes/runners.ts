// Runs the determinism workload (determinism.ts) in Node, Deno, Bun, headless Chromium and
// headless Firefox ESR, and returns each runtime's report. Node-only: this file drives the
// runtimes from the test process; the workload itself never sees any of it.
//
// Every child runs in its own process group and is killed (the whole group) on timeout or
// when the run is over, so a hung browser cannot outlive the test.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, extname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type Plugin } from 'esbuild';
import type { BrowserContext, Page } from 'playwright-core';
import type { WorkloadReport } from './determinism.js';
import { MNIST_SUBSET, mnistSubset, type IdxPair } from './mnist-subset.js';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const DIST_ENTRY = join(ROOT, 'dist', 'index.js');
const SRC_ENTRY = join(ROOT, 'src', 'index.js');

export interface RunResult {
  readonly runtime: string;
  readonly report: WorkloadReport;
  /** What the runtime says it is (navigator.userAgent where it has one). */
  readonly userAgent: string;
  readonly ms: number;
}

export interface Bundles {
  readonly dir: string;
  /** ESM for Node, Deno and Bun. */
  readonly cli: string;
  /** ESM for the browser page. */
  readonly page: string;
  /** ESM for an edge worker (workerd): `export default { fetch }`, GET answers the report. */
  readonly worker: string;
}

/**
 * Points the workload's `src/index.js` import at the built `dist/index.js`, so the
 * runtimes run the bundle that ships, and refuses any other import from src/ (the
 * workload must see the public API only).
 */
const useDist: Plugin = {
  name: 'actlab-use-dist',
  setup(b) {
    b.onResolve({ filter: /^\./ }, (args) => {
      const target = resolve(args.resolveDir, args.path);
      if (target === SRC_ENTRY) return { path: DIST_ENTRY };
      if (!relative(join(ROOT, 'src'), target).startsWith('..')) {
        return { errors: [{ text: `actlab: ${relative(ROOT, args.importer)} imports ${args.path}: the workload may import the core only through src/index.js` }] };
      }
      return undefined;
    });
  },
};

/**
 * Generates the `actlab-fixture:` modules (fixtures.d.ts) at bundle time: the MNIST
 * subset's IDX bytes, embedded with esbuild's binary loader, so every runtime gets them
 * from the bundle itself (browsers have no file system) and nothing large is committed.
 */
const embedFixtures: Plugin = {
  name: 'actlab-fixtures',
  setup(b) {
    let subset: IdxPair | undefined;
    b.onResolve({ filter: /^actlab-fixture:/ }, (args) => ({ path: args.path.slice('actlab-fixture:'.length), namespace: 'actlab-fixture' }));
    b.onLoad({ filter: /.*/, namespace: 'actlab-fixture' }, (args) => {
      subset ??= mnistSubset(MNIST_SUBSET);
      const bytes = args.path === 'mnist-images' ? subset.images : args.path === 'mnist-labels' ? subset.labels : undefined;
      if (bytes === undefined) return { errors: [{ text: `actlab: unknown fixture 'actlab-fixture:${args.path}'; known: mnist-images, mnist-labels` }] };
      return { contents: bytes, loader: 'binary' };
    });
  },
};

/** Bundles the three entries with esbuild for the browser platform (which Node, Deno and Bun also run). */
export async function bundleWorkload(): Promise<Bundles> {
  if (!existsSync(DIST_ENTRY)) throw new Error(`actlab: ${DIST_ENTRY} is missing: run \`npm run build\` first`);
  const dir = mkdtempSync(join(tmpdir(), 'actlab-runtimes-'));
  const result = await build({
    entryPoints: {
      'determinism-cli': join(ROOT, 'test', 'runtimes', 'cli-entry.ts'),
      'determinism-page': join(ROOT, 'test', 'runtimes', 'page-entry.ts'),
      'determinism-worker': join(ROOT, 'test', 'runtimes', 'worker-entry.ts'),
    },
    outdir: dir,
    outExtension: { '.js': '.mjs' },
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    plugins: [useDist, embedFixtures],
    metafile: true,
    logLevel: 'silent',
  });
  if (!Object.keys(result.metafile.inputs).some((p) => resolve(ROOT, p) === DIST_ENTRY)) {
    throw new Error('actlab: the workload bundle does not contain dist/index.js');
  }
  return { dir, cli: join(dir, 'determinism-cli.mjs'), page: join(dir, 'determinism-page.mjs'), worker: join(dir, 'determinism-worker.mjs') };
}

/**
 * Bundles one more entry (an example, a fixture) the way the workload is bundled: ESM for the
 * browser platform, its `src/index.js` import swapped for the built dist/index.js.
 */
export async function bundleWithDist(entry: string, outfile: string): Promise<void> {
  if (!existsSync(DIST_ENTRY)) throw new Error(`actlab: ${DIST_ENTRY} is missing: run \`npm run build\` first`);
  await build({
    entryPoints: [entry], outfile, bundle: true, format: 'esm', platform: 'browser', target: 'es2022',
    plugins: [useDist], logLevel: 'silent',
  });
}

// ---- processes ----------------------------------------------------------------------------

const live = new Set<ChildProcess>();

/** Kills a child's whole process group (browsers fork helpers); ignores one that is gone. */
function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // Already exited between the check and the kill.
  }
}

/** Kills every child this module started that is still running (for afterAll). */
export function killAll(): void {
  for (const c of live) killGroup(c, 'SIGKILL');
}

/**
 * Starts a child in its own process group (killAll reaches it), stdout and stderr piped.
 * `extraPipes` more pipes follow stderr (fd 3, 4, ...: child.stdio[3], ...), for a child that
 * reports on a descriptor of its own (workerd's --control-fd 3 says which port each socket got).
 */
export function startChild(cmd: string, args: readonly string[], env: NodeJS.ProcessEnv, cwd: string, extraPipes = 0): ChildProcess {
  const child = spawn(cmd, args, { cwd, env, detached: true, stdio: ['ignore', 'pipe', 'pipe', ...new Array<'pipe'>(extraPipes).fill('pipe')] });
  live.add(child);
  child.on('exit', () => live.delete(child));
  return child;
}

/** Resolves when the child has exited; after `ms` it is SIGTERMed, then SIGKILLed, so this always ends. */
export function stopChild(child: ChildProcess, ms: number): Promise<void> {
  return new Promise((done) => {
    if (child.exitCode !== null || child.signalCode !== null) return done();
    const hard = setTimeout(() => killGroup(child, 'SIGKILL'), ms);
    child.once('exit', () => {
      clearTimeout(hard);
      // The leader is gone; its helpers may not be.
      killGroup(child, 'SIGKILL');
      done();
    });
    killGroup(child, 'SIGTERM');
  });
}

export interface Output { code: number | null; signal: string | null; stdout: string; stderr: string }

/** Runs a command to completion, killing its process group after `timeoutMs`. */
export function runCommand(cmd: string, args: readonly string[], env: NodeJS.ProcessEnv, cwd: string, timeoutMs: number): Promise<Output> {
  return new Promise((done, fail) => {
    const child = startChild(cmd, args, env, cwd);
    let stdout = '', stderr = '';
    child.stdout?.on('data', (d: Buffer) => { stdout += d.toString(); });
    child.stderr?.on('data', (d: Buffer) => { stderr += d.toString(); });
    const timer = setTimeout(() => {
      killGroup(child, 'SIGKILL');
      fail(new Error(`actlab: ${cmd} ${args.join(' ')} timed out after ${timeoutMs} ms; stderr: ${stderr.slice(-2000)}`));
    }, timeoutMs);
    child.on('error', (e) => { clearTimeout(timer); fail(new Error(`actlab: cannot start ${cmd}: ${e.message}`)); });
    child.on('close', (code, signal) => { clearTimeout(timer); done({ code, signal, stdout, stderr }); });
  });
}

/** A quiet environment: no colours, no update checks, no telemetry, caches in `home`. */
export function cleanEnv(home: string): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: home,
    TMPDIR: home,
    NO_COLOR: '1',
    DO_NOT_TRACK: '1',
    DENO_DIR: join(home, 'deno'),
    DENO_NO_UPDATE_CHECK: '1',
    DENO_NO_PROMPT: '1',
    BUN_RUNTIME_TRANSPILER_CACHE_PATH: '0',
    BUN_INSTALL_CACHE_DIR: join(home, 'bun'),
  };
}

function parseReport(runtime: string, text: string): { report: WorkloadReport; userAgent: string } {
  const line = text.trim().split('\n').at(-1) ?? '';
  try {
    const parsed: { report: WorkloadReport; userAgent: string } = JSON.parse(line);
    if (typeof parsed.report?.sha256 !== 'string') throw new Error('no report.sha256');
    return parsed;
  } catch (e) {
    throw new Error(`actlab: ${runtime} printed no report (${e instanceof Error ? e.message : String(e)}); output: ${text.slice(-2000)}`);
  }
}

export type CliRuntime = 'node' | 'deno' | 'bun';

/** A binary the project installs through npm (deno, bun). */
export const binPath = (name: string): string => join(ROOT, 'node_modules', '.bin', name);

/** The command line that runs an ESM file in each command-line runtime; none needs a permission. */
export function cliCommand(runtime: CliRuntime, file: string): [string, string[]] {
  switch (runtime) {
    case 'node': return [process.execPath, [file]];
    // --no-prompt: a permission the bundle should never need fails instead of waiting on a prompt.
    case 'deno': return [binPath('deno'), ['run', '--no-prompt', '--no-config', '--no-lock', '--no-remote', '--no-npm', '--quiet', file]];
    case 'bun': return [binPath('bun'), ['run', '--no-install', file]];
  }
}

/** Runs the CLI bundle in Node, Deno or Bun (from an empty directory, so no project config is read). */
export async function runCli(runtime: CliRuntime, bundles: Bundles, timeoutMs: number): Promise<RunResult> {
  const home = mkdtempSync(join(tmpdir(), `actlab-${runtime}-`));
  const t0 = performance.now();
  try {
    const [cmd, args] = cliCommand(runtime, bundles.cli);
    const out = await runCommand(cmd, args, cleanEnv(home), home, timeoutMs);
    if (out.code !== 0) {
      throw new Error(`actlab: ${runtime} exited with ${out.code ?? out.signal}; stderr: ${out.stderr.slice(-2000)}`);
    }
    const { report, userAgent } = parseReport(runtime, out.stdout);
    // Node 20 has no navigator; say which binary ran instead.
    return { runtime, report, userAgent: userAgent || `${runtime} ${cmd}`, ms: performance.now() - t0 };
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
}

/** `cmd --version`'s first line, or why it could not be had. */
export async function versionOf(cmd: string, args: readonly string[] = ['--version']): Promise<string> {
  const home = mkdtempSync(join(tmpdir(), 'actlab-version-'));
  try {
    const out = await runCommand(cmd, args, cleanEnv(home), home, 20_000);
    return out.stdout.trim().split('\n')[0] ?? '';
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
}

// ---- the loopback page server ---------------------------------------------------------------

const PAGE_HTML = `<!doctype html>
<meta charset="utf-8">
<title>actlab determinism</title>
<script>
  // A module that fails to load or throws before its own handler runs still reports back.
  addEventListener('error', (e) => {
    const what = e.message || ('cannot load ' + (e.target && e.target.src));
    fetch('/result', { method: 'POST', body: JSON.stringify({ ok: false, error: 'page error: ' + what }) });
  }, true);
</script>
<script type="module" src="/determinism-page.mjs"></script>
`;

function readBody(req: IncomingMessage, limit: number): Promise<string> {
  return new Promise((done, fail) => {
    let text = '';
    req.setEncoding('utf8');
    req.on('data', (d: string) => {
      text += d;
      if (text.length > limit) fail(new Error(`actlab: the page posted more than ${limit} bytes`));
    });
    req.on('end', () => done(text));
    req.on('error', fail);
  });
}

/** A file the loopback server hands out. */
export interface ServedFile {
  readonly type: string;
  readonly body: string | Buffer;
}

/** What a page POSTs to /result: `{ ok: true, ...anything }` or `{ ok: false, error }`. */
export interface PostedResult {
  readonly ok: boolean;
  readonly error?: string;
  readonly [key: string]: unknown;
}

export interface LoopbackServer {
  readonly url: string;
  /** Settles with the first JSON the page POSTs to /result with ok: true; rejects on ok: false or bad JSON. */
  readonly result: Promise<PostedResult>;
  close(): Promise<void>;
}

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8', '.json': 'application/json', '.wasm': 'application/wasm', '.svg': 'image/svg+xml',
  '.png': 'image/png', '.idx': 'application/octet-stream', '.ubyte': 'application/octet-stream',
};

/** The file under `dir` for a URL path (index.html for a directory); undefined outside `dir` or when missing. */
function fileFromDir(dir: string, path: string): ServedFile | undefined {
  const target = resolve(dir, `.${decodeURIComponent(path)}`);
  if (relative(dir, target).startsWith('..')) return undefined;
  const file = existsSync(join(target, 'index.html')) ? join(target, 'index.html') : target;
  if (!existsSync(file) || !statSync(file).isFile()) return undefined;
  return { type: CONTENT_TYPES[extname(file)] ?? 'application/octet-stream', body: readFileSync(file) };
}

/**
 * Serves `files` (URL path -> file) or a directory's contents on 127.0.0.1 only, and
 * collects what the page POSTs to /result. `headers` go on every response (the
 * playground's COOP/COEP).
 */
export async function serveLoopback(files: ReadonlyMap<string, ServedFile> | string,
  headers: Readonly<Record<string, string>> = {}): Promise<LoopbackServer> {
  let settle: { ok: (r: PostedResult) => void; fail: (e: Error) => void } | undefined;
  const result = new Promise<PostedResult>((ok, fail) => { settle = { ok, fail }; });
  // Mark the rejection handled here: the caller may stop waiting (timeout) before it settles.
  result.catch(() => undefined);
  const send = (res: ServerResponse, status: number, type: string, body: string | Buffer) => {
    res.writeHead(status, { ...headers, 'content-type': type, 'cache-control': 'no-store' });
    res.end(body);
  };
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method === 'GET') {
      const file = typeof files === 'string' ? fileFromDir(files, path) : files.get(path);
      if (file !== undefined) return send(res, 200, file.type, file.body);
      // Chromium asks for /favicon.ico on its own, sometimes before the page's script has
      // finished; a 404 there is logged as a console error, which tests count as the page's.
      if (path === '/favicon.ico') return send(res, 204, 'image/x-icon', '');
    }
    if (req.method === 'POST' && path === '/result') {
      readBody(req, 1 << 20).then((text) => {
        send(res, 204, 'text/plain', '');
        try {
          const msg: PostedResult = JSON.parse(text);
          if (msg.ok) settle?.ok(msg);
          else settle?.fail(new Error(`actlab: the page failed: ${msg.error ?? text}`));
        } catch {
          settle?.fail(new Error(`actlab: the page posted something that is not JSON: ${text.slice(0, 500)}`));
        }
      }, (e: Error) => { send(res, 413, 'text/plain', e.message); settle?.fail(e); });
      return undefined;
    }
    return send(res, 404, 'text/plain', 'not found');
  });
  await new Promise<void>((ok, fail) => {
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => ok());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    result,
    close: () => new Promise<void>((ok) => {
      server.closeAllConnections();
      server.close(() => ok());
    }),
  };
}

interface PageServer {
  readonly url: string;
  /** Settles with the page's POSTed report, or rejects with the error it POSTed. */
  readonly result: Promise<{ report: WorkloadReport; userAgent: string }>;
  close(): Promise<void>;
}

/** Serves the determinism page and its bundle, and waits for the page to POST its report. */
export async function servePage(bundles: Bundles): Promise<PageServer> {
  const server = await serveLoopback(new Map([
    ['/', { type: 'text/html; charset=utf-8', body: PAGE_HTML }],
    ['/determinism-page.mjs', { type: 'text/javascript; charset=utf-8', body: readFileSync(bundles.page) }],
  ]));
  const result = server.result.then((msg) => {
    const report = msg.report as WorkloadReport | undefined;
    if (report === undefined) throw new Error(`actlab: the page posted no report: ${JSON.stringify(msg).slice(0, 500)}`);
    return { report, userAgent: typeof msg.userAgent === 'string' ? msg.userAgent : '' };
  });
  result.catch(() => undefined);
  return { url: server.url, result, close: server.close };
}

/** Rejects after `ms` with a message naming what took too long; clears its timer when `p` settles first. */
export function withTimeout<T>(p: Promise<T>, ms: number, what: () => string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, fail) => {
    // `what` is called late so the message carries what was logged while waiting.
    timer = setTimeout(() => fail(new Error(`actlab: ${what()} timed out after ${ms} ms`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

// ---- browsers -----------------------------------------------------------------------------------

export const CHROMIUM_BIN = process.env.ACTLAB_CHROMIUM ?? '/usr/bin/chromium';
export const FIREFOX_BIN = process.env.ACTLAB_FIREFOX ?? '/usr/bin/firefox-esr';

const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];

/**
 * Opens `url` in headless Chromium (Debian's) through playwright-core, with a fresh
 * profile, and runs `fn` on the page; page errors and console errors are collected in
 * `errors` for messages. The browser is closed and the profile removed afterwards.
 */
export async function withChromium<T>(url: string, timeoutMs: number,
  fn: (page: Page, errors: readonly string[]) => Promise<T>): Promise<T> {
  const { chromium } = await import('playwright-core');
  const profile = mkdtempSync(join(tmpdir(), 'actlab-chromium-'));
  const errors: string[] = [];
  let context: BrowserContext | undefined;
  try {
    // playwright-core refuses --user-data-dir in args; a persistent context is how a profile directory is chosen.
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM_BIN,
      headless: true,
      args: CHROMIUM_ARGS,
      timeout: timeoutMs,
      env: cleanEnv(profile),
    });
    const page = context.pages()[0] ?? await context.newPage();
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
    await page.goto(url, { timeout: timeoutMs });
    return await fn(page, errors);
  } finally {
    // playwright kills the browser itself if closing hangs and the worker exits.
    if (context !== undefined) await withTimeout(context.close(), 10_000, () => 'closing chromium').catch(() => undefined);
    rmSync(profile, { recursive: true, force: true });
  }
}

/** Waits for what a page POSTs, naming the page errors seen so far if it takes too long. */
export function pageResult<T>(result: Promise<T>, timeoutMs: number, errors: readonly string[]): Promise<T> {
  return withTimeout(result, timeoutMs, () => `chromium (page errors: ${errors.join('; ') || 'none'})`);
}

/** The determinism workload in headless Chromium. */
export async function runChromium(bundles: Bundles, timeoutMs: number): Promise<RunResult> {
  const server = await servePage(bundles);
  const t0 = performance.now();
  try {
    const r = await withChromium(server.url, timeoutMs, (_page, errors) => pageResult(server.result, timeoutMs, errors));
    return { runtime: 'chromium', ...r, ms: performance.now() - t0 };
  } finally {
    await server.close();
  }
}

/**
 * Preferences for a Firefox that talks to nothing but the loopback page: no updates,
 * telemetry, safe browsing, captive-portal or connectivity probes, remote settings,
 * prefetching or first-run pages.
 */
const FIREFOX_PREFS: Record<string, boolean | number | string> = {
  'app.update.auto': false,
  'app.update.enabled': false,
  'app.update.disabledForTesting': true,
  'app.normandy.enabled': false,
  'app.shield.optoutstudies.enabled': false,
  'browser.aboutwelcome.enabled': false,
  'browser.discovery.enabled': false,
  'browser.newtabpage.enabled': false,
  'browser.ping-centre.telemetry': false,
  'browser.region.network.url': '',
  'browser.region.update.enabled': false,
  'browser.safebrowsing.blockedURIs.enabled': false,
  'browser.safebrowsing.downloads.enabled': false,
  'browser.safebrowsing.malware.enabled': false,
  'browser.safebrowsing.phishing.enabled': false,
  'browser.safebrowsing.provider.google4.updateURL': '',
  'browser.search.geoSpecificDefaults': false,
  'browser.search.update': false,
  'browser.sessionstore.resume_from_crash': false,
  'browser.shell.checkDefaultBrowser': false,
  'browser.startup.homepage_override.mstone': 'ignore',
  'browser.startup.page': 0,
  'browser.tabs.warnOnClose': false,
  'datareporting.healthreport.uploadEnabled': false,
  'datareporting.policy.dataSubmissionEnabled': false,
  'datareporting.policy.firstRunURL': '',
  'extensions.blocklist.enabled': false,
  'extensions.getAddons.cache.enabled': false,
  'extensions.systemAddon.update.enabled': false,
  'extensions.update.enabled': false,
  'geo.provider.network.url': '',
  'media.gmp-manager.updateEnabled': false,
  'network.captive-portal-service.enabled': false,
  'network.connectivity-service.enabled': false,
  'network.dns.disablePrefetch': true,
  'network.http.speculative-parallel-limit': 0,
  'network.prefetch-next': false,
  'network.proxy.type': 0,
  'network.trr.mode': 5,
  'security.OCSP.enabled': 0,
  'services.settings.server': 'http://127.0.0.1:9/',
  'startup.homepage_welcome_url': '',
  'toolkit.startup.max_resumed_crashes': -1,
  'toolkit.telemetry.enabled': false,
  'toolkit.telemetry.server': '',
  'toolkit.telemetry.unified': false,
};

/**
 * Headless Firefox ESR (Debian's): playwright's firefox driver needs Playwright's own
 * patched build, so this opens the page directly and the page POSTs its result to the
 * loopback server.
 */
export async function runFirefox(bundles: Bundles, timeoutMs: number): Promise<RunResult> {
  const server = await servePage(bundles);
  const t0 = performance.now();
  try {
    const r = await withFirefox(server.url, timeoutMs, server.result);
    return { runtime: 'firefox', ...r, ms: performance.now() - t0 };
  } finally {
    await server.close();
  }
}

/**
 * Opens `url` in headless Firefox ESR with a fresh profile and waits for `result` (what
 * the page POSTs to its loopback server); the browser is stopped and the profile removed.
 */
export async function withFirefox<T>(url: string, timeoutMs: number, result: Promise<T>): Promise<T> {
  const profile = mkdtempSync(join(tmpdir(), 'actlab-firefox-'));
  writeFileSync(join(profile, 'user.js'),
    Object.entries(FIREFOX_PREFS).map(([k, v]) => `user_pref(${JSON.stringify(k)}, ${JSON.stringify(v)});\n`).join(''));
  const env = { ...cleanEnv(profile), MOZ_CRASHREPORTER_DISABLE: '1', MOZ_DISABLE_AUTO_SAFE_MODE: '1' };
  const child = startChild(FIREFOX_BIN, ['--headless', '-no-remote', '-new-instance', '-profile', profile, url], env, profile);
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => { stderr = (stderr + d.toString()).slice(-4000); });
  child.stdout?.resume();
  const exited = new Promise<never>((_, fail) => {
    child.on('error', (e) => fail(new Error(`actlab: cannot start ${FIREFOX_BIN}: ${e.message}`)));
    child.on('exit', (code, signal) => fail(new Error(`actlab: firefox exited (${code ?? signal}) before the page reported; stderr: ${stderr}`)));
  });
  exited.catch(() => undefined);
  try {
    return await withTimeout(Promise.race([result, exited]), timeoutMs, () => `firefox (stderr: ${stderr.slice(-1000)})`);
  } finally {
    await stopChild(child, 5_000);
    rmSync(profile, { recursive: true, force: true });
  }
}
