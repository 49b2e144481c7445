// Shared look of every figure: size readable at 600 x 350, one font stack that resvg and
// browsers both find (DejaVu/Liberation ship with Debian's fontconfig), light grid,
// colour-blind-safe categorical colours (Tableau 10) and viridis for heatmaps.
import type { TopLevelSpec } from 'vega-lite';

type Config = NonNullable<TopLevelSpec['config']>;

/**
 * A Vega-Lite specification (JSON), what the plot functions return. Declared here instead of
 * as vega-lite's `TopLevelSpec` so that actlab's type declarations need neither vega's
 * types nor the DOM library; where vega-lite's own type is wanted, `spec as TopLevelSpec`.
 */
export interface VegaLiteSpec {
  readonly $schema?: string;
}

/** @internal A spec checked against vega-lite's own type, returned as the public one. */
export function vl(spec: TopLevelSpec): VegaLiteSpec {
  return spec;
}

export const SCHEMA = 'https://vega.github.io/schema/vega-lite/v6.json';
export const FONT = 'DejaVu Sans, Liberation Sans, Arial, Helvetica, sans-serif';
export const WIDTH = 600;
export const HEIGHT = 350;

// `satisfies`, not a type annotation: checked against vega-lite's type, declared as its own literal type.
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

/** A figure title with an optional subtitle line. */
export function title(text: string, subtitle?: string): { text: string; subtitle?: string } {
  return subtitle === undefined ? { text } : { text, subtitle };
}
