// Vega-Lite spec -> SVG (vega's headless 'none' renderer, no canvas or DOM needed) and
// SVG -> PNG (resvg). resvg draws text only with a font it can find; Debian's fontconfig
// brings DejaVu (fonts-dejavu-core), which the plots' font stack names first.
import { existsSync, readdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import type { TopLevelSpec } from 'vega-lite';
import type { VegaLiteSpec } from '../plot/theme.js';
import type { Resvg as ResvgClass } from '@resvg/resvg-js';

// vega, vega-lite and resvg (a native binary in an optional platform package) load on the
// first render, not with `actlab/node`: its file readers, models and checkpoints work
// without them, and an import of the entry stays fast.

/** Renders a Vega-Lite spec to a standalone SVG document string. */
export async function renderSvg(spec: VegaLiteSpec): Promise<string> {
  const [{ compile }, { parse, View }] = await Promise.all([import('vega-lite'), import('vega')]);
  const { spec: vgSpec } = compile(spec as TopLevelSpec);
  const view = new View(parse(vgSpec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

const FONT_DIRS = ['/usr/share/fonts', '/usr/local/share/fonts', join(homedir(), '.local', 'share', 'fonts'), join(homedir(), '.fonts')];

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
  if (!FONT_DIRS.some((d) => hasFontFile(d))) {
    throw new Error(`actlab: PNG rendering needs a font and none was found in ${FONT_DIRS.join(', ')}: ` +
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

export interface PngOptions {
  /** Pixels per SVG unit; default 2 (crisp on high-density screens). */
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
