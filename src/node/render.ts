// Vega-Lite spec -> SVG (vega's headless 'none' renderer, no canvas or DOM needed) and
// SVG -> PNG (resvg). resvg draws text only with a font it can find; Debian's fontconfig
// brings DejaVu (fonts-dejavu-core), which the plots' font stack names first.
import { existsSync, readdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import type { TopLevelSpec } from 'vega-lite';
import type { VegaLiteSpec } from '../plot/theme.js';
import { escapeXml, xmlChars } from '../plot/mathml.js';
import type { Resvg as ResvgClass } from '@resvg/resvg-js';

// vega, vega-lite and resvg (a native binary in an optional platform package) load on the
// first render, not with `actlab/node`: its file readers, models and checkpoints work
// without them, and an import of the entry stays fast.

/**
 * Renders a Vega-Lite spec to a standalone SVG document string, with a text alternative (see
 * `withTextAlternative`).
 */
export async function renderSvg(spec: VegaLiteSpec): Promise<string> {
  const [{ compile }, { parse, View }] = await Promise.all([import('vega-lite'), import('vega')]);
  const vl = spec as TopLevelSpec;
  const { spec: vgSpec } = compile(vl);
  const view = new View(parse(vgSpec), { renderer: 'none' });
  try {
    // Vega escapes markup in titles and labels but copies control characters (a label with
    // '\x01' or an ANSI escape) into the SVG, which no XML parser then reads: replaced here.
    return withTextAlternative(xmlChars(await view.toSVG()), vl);
  } finally {
    view.finalize();
  }
}

/** Text or lines of text (a Vega title's `text` or `subtitle`) as one string; '' for anything else. */
function joined(text: unknown): string {
  if (typeof text === 'string') return text;
  return Array.isArray(text) ? text.filter((t) => typeof t === 'string').join(' ') : '';
}

/**
 * Gives the figure a text alternative that says what it shows: the spec's title as the SVG's
 * `<title>` (its accessible name, and the tooltip of a standalone file) and, as `<desc>`, the
 * spec's description, the subtitle, and Vega's own captions of the axes and legends (scale,
 * range, the series named). `role="img"` makes a screen reader read these instead of
 * descending into hundreds of unlabelled marks; the numbers themselves are in the report's
 * tables and the command's JSON. No ids, so figures inlined in one page cannot clash.
 */
function withTextAlternative(svg: string, spec: TopLevelSpec): string {
  const t = spec.title;
  const params = typeof t === 'object' && t !== null && !Array.isArray(t) ? t : undefined;
  const name = (params === undefined ? joined(t) : joined(params.text)) || joined(spec.description) || 'Figure';
  const own = [joined(spec.description), params === undefined ? '' : joined(params.subtitle)].filter((s) => s !== '').map(escapeXml);
  // Vega writes these captions already escaped for an attribute, which is also valid element text.
  const guides = [...svg.matchAll(/aria-roledescription="(?:axis|legend)" aria-label="([^"]*)"/g)].map((m) => m[1]);
  const desc = [...new Set([...own, ...guides])].map((s) => (/[.!?]$/.test(s) ? s : `${s}.`)).join(' ');
  const open = /^<svg\b[^>]*>/.exec(svg);
  if (open === null) throw new Error('actlab: renderSvg: Vega returned no <svg> element');
  return `${open[0].slice(0, -1)} role="img"><title>${escapeXml(name)}</title>${desc === '' ? '' : `<desc>${desc}</desc>`}` +
    svg.slice(open[0].length);
}

/**
 * Where resvg looks for fonts. A function, not a module constant: homedir() at import made
 * importing actlab/node in Deno need --allow-sys (or a prompt), even to save a model.
 */
const fontDirs = (): string[] => ['/usr/share/fonts', '/usr/local/share/fonts', join(homedir(), '.local', 'share', 'fonts'), join(homedir(), '.fonts')];

function hasFontFile(dir: string, depth = 0): boolean {
  if (depth > 4 || !existsSync(dir)) return false;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (e.isFile() && /\.(ttf|otf|ttc)$/i.test(e.name)) return true;
    if (e.isDirectory() && hasFontFile(join(dir, e.name), depth + 1)) return true;
  }
  return false;
}

let fontsChecked = false;

/** Throws unless some TrueType/OpenType font is installed where resvg looks. */
function checkFonts(): void {
  if (fontsChecked) return;
  const dirs = fontDirs();
  if (!dirs.some((d) => hasFontFile(d))) {
    throw new Error(`actlab: PNG rendering needs a font and none was found in ${dirs.join(', ')}: ` +
      'install one, e.g. `apt-get install fonts-dejavu-core` (or draw SVG only: renderSvg, or the CLI without --png)');
  }
  fontsChecked = true;
}

let resvgClass: typeof ResvgClass | undefined;

function loadResvg(): typeof ResvgClass {
  if (resvgClass === undefined) {
    try {
      const mod: { Resvg: typeof ResvgClass } = createRequire(import.meta.url)('@resvg/resvg-js');
      resvgClass = mod.Resvg;
    } catch (e) {
      throw new Error('actlab: PNG rendering needs @resvg/resvg-js and its native package for this platform ' +
        `(${e instanceof Error ? e.message.split('\n')[0] : String(e)}); reinstall without --omit=optional, or write SVG only`);
    }
  }
  return resvgClass;
}

/**
 * Throws, with what to install, unless PNG rendering can work here (a font and resvg's native
 * package): the CLI calls it before a --png run's work.
 */
export function checkPngSupport(): void {
  checkFonts();
  loadResvg();
}

/** svgToPng's and renderPng's options. */
export interface PngOptions {
  /** Pixels per SVG unit, in (0, 16]; default 2 (crisp on high-density screens). */
  readonly scale?: number;
}

/** Rasterises an SVG string to PNG bytes, text drawn with the system's fonts. */
export function svgToPng(svg: string, options: PngOptions = {}): Uint8Array {
  const scale = options.scale ?? 2;
  if (!(scale > 0) || scale > 16) throw new Error(`actlab: PNG scale ${scale} is invalid: expected a number in (0, 16]`);
  checkFonts();
  const resvg = new (loadResvg())(svg, {
    fitTo: { mode: 'zoom', value: scale },
    background: 'white',
    font: { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans', sansSerifFamily: 'DejaVu Sans' },
  });
  return resvg.render().asPng();
}

/** Renders a Vega-Lite spec straight to PNG bytes. */
export async function renderPng(spec: VegaLiteSpec, options: PngOptions = {}): Promise<Uint8Array> {
  return svgToPng(await renderSvg(spec), options);
}
