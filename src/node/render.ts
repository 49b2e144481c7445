// Vega-Lite spec -> SVG (vega's headless 'none' renderer, no canvas or DOM needed) and
// SVG -> PNG (resvg). resvg draws text only with a font it can find; Debian's fontconfig
// brings DejaVu (fonts-dejavu-core), which the plots' font stack names first.
import { existsSync, readdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { compile, type TopLevelSpec } from 'vega-lite';
import { parse, View } from 'vega';
import { Resvg } from '@resvg/resvg-js';

/** Renders a Vega-Lite spec to a standalone SVG document string. */
export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  const { spec: vgSpec } = compile(spec);
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
      'install one, e.g. `apt-get install fonts-dejavu-core` (or write SVG only, without --png)');
  }
  fontsChecked = true;
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
  const resvg = new Resvg(svg, {
    fitTo: { mode: 'zoom', value: scale },
    background: 'white',
    font: { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans', sansSerifFamily: 'DejaVu Sans' },
  });
  return resvg.render().asPng();
}

/** Renders a Vega-Lite spec straight to PNG bytes. */
export async function renderPng(spec: TopLevelSpec, options: PngOptions = {}): Promise<Uint8Array> {
  return svgToPng(await renderSvg(spec), options);
}
