// Shared look of every figure: size readable at 600 x 350, one font stack that resvg and
// browsers both find (DejaVu/Liberation ship with Debian's fontconfig), light grid,
// colour-blind-safe categorical colours (Tableau 10) and viridis for heatmaps.
import type { TopLevelSpec } from 'vega-lite';
import { isPrototypeKey } from '../core/checks.js';

type Config = NonNullable<TopLevelSpec['config']>;

/**
 * A Vega-Lite specification (JSON), what the plot functions return. Declared here instead of
 * as vega-lite's `TopLevelSpec` so that actlab's type declarations need neither vega's
 * types nor the DOM library; where vega-lite's own type is wanted, `spec as TopLevelSpec`.
 */
export interface VegaLiteSpec {
  /** The Vega-Lite schema URL (v6). */
  readonly $schema?: string;
}

/** @internal A spec checked against vega-lite's own type, returned as the public one. */
export function vl(spec: TopLevelSpec): VegaLiteSpec {
  return spec;
}

export const SCHEMA = 'https://vega.github.io/schema/vega-lite/v6.json';
/** The font stack every figure uses (exported as plot.plotFont). */
export const FONT = 'DejaVu Sans, Liberation Sans, Arial, Helvetica, sans-serif';
export const WIDTH = 600;
export const HEIGHT = 350;

// `satisfies`, not a type annotation: checked against vega-lite's type, declared as its own literal type.
/** The Vega-Lite `config` every figure uses (exported as plot.plotConfig), for your own specs in the same look. */
export const CONFIG = {
  font: FONT,
  background: 'white',
  padding: 8,
  view: { stroke: '#ddd' },
  axis: { labelFontSize: 11, titleFontSize: 12, gridColor: '#eee', domainColor: '#888', tickColor: '#888' },
  legend: { labelFontSize: 11, titleFontSize: 12, symbolStrokeWidth: 2 },
  header: { labelFontSize: 12, titleFontSize: 12 },
  title: { fontSize: 15, subtitleFontSize: 11, subtitleColor: '#555', anchor: 'start', offset: 10 },
  range: { category: { scheme: 'tableau10' }, heatmap: { scheme: 'viridis' } },
  line: { strokeWidth: 2 },
} satisfies Config;

/**
 * Splits text at spaces into lines that Vega's headless renderer takes to fit `width`
 * pixels at `fontSize`. It has no font metrics and estimates 0.8 em per character, so an
 * unwrapped long line widens the whole figure with blank space on the right.
 */
export function wrap(text: string, width: number, fontSize: number): string[] {
  const max = Math.max(20, Math.floor(width / (0.8 * fontSize)));
  const out: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line !== '' && line.length + 1 + word.length > max) { out.push(line); line = word; } else line = line === '' ? word : `${line} ${word}`;
  }
  if (line !== '') out.push(line);
  return out;
}

/**
 * A title line Vega can draw: Vega 6 compiles title text to an expression, where a string
 * equal to an Object.prototype member's name ('constructor', 'toString') is taken for that
 * member and rendering fails ("Operator not defined: undefined"). Such a line (a title, or a
 * subtitle's word wrapped onto a line of its own) gets a trailing space, which draws nothing.
 */
function drawable(line: string): string {
  return isPrototypeKey(line) ? `${line} ` : line;
}

/** A figure title with an optional subtitle (lines as an array), wrapped to about `width` pixels. */
export function title(text: string, subtitle?: string | readonly string[], width = 640): { text: string; subtitle?: string | string[] } {
  if (subtitle === undefined) return { text: drawable(text) };
  const lines = (typeof subtitle === 'string' ? [subtitle] : subtitle).flatMap((l) => wrap(l, width, CONFIG.title.subtitleFontSize)).map(drawable);
  return { text: drawable(text), subtitle: lines.length === 1 ? lines[0] : lines };
}

/**
 * Axis labels for nominal categories in a band `width` pixels wide: level when they fit
 * their slot (about 6.5 px per character at 11 px), angled otherwise, never cut short.
 */
export function categoryAxis(labels: readonly string[], width: number): { labelAngle: number; labelLimit: number; labelAlign?: 'right'; labelBaseline?: 'top' } {
  const slot = width / Math.max(1, labels.length);
  const longest = labels.reduce((m, l) => Math.max(m, l.length), 0);
  if (longest * 6.5 <= slot - 4) return { labelAngle: 0, labelLimit: 0 };
  return { labelAngle: -35, labelLimit: 0, labelAlign: 'right', labelBaseline: 'top' };
}
