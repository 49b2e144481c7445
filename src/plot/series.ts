// How figures tell series apart: a fixed colour per registry activation (the same in every
// figure), an ordered palette where that cannot work, dash patterns where colours repeat,
// number formats that stay readable, and notes on what could not be drawn.
import { ACTIVATION_NAMES, type ActivationName } from '../activations/registry.js';
import { isPrototypeKey } from '../core/checks.js';

/**
 * Categorical colours, most distinct first (Tableau 10, then darker and lighter tones), one
 * per registry activation: a new activation appends one. Ordered figures take them in this order.
 */
export const PALETTE: readonly string[] = [
  '#4c78a8', '#f58518', '#e45756', '#72b7b2', '#54a24b', '#eeca3b', '#b279a2', '#ff9da6', '#9d755d', '#79706e',
  '#393b79', '#637939', '#8c6d31', '#843c39', '#7b4173', '#17becf', '#9ecae9', '#ffbf79', '#88d27a', '#d6a5c9',
  '#d8b5a5', '#bcbd22', '#2f2f2f', '#ce6dbd', '#bab0ac', '#6b6ecf',
];

/** Each registry activation's colour, one palette entry each; the seed's usual line-ups get the most distinct ones. */
export const ACTIVATION_COLORS: Readonly<Record<ActivationName, string>> = {
  sigmoid: PALETTE[0], tanh: PALETTE[1], relu: PALETTE[2], elu: PALETTE[3], selu: PALETTE[4], prelu: PALETTE[5],
  swish: PALETTE[6], leakyRelu: PALETTE[7], gelu: PALETTE[8], linear: PALETTE[9], mish: PALETTE[10], silu: PALETTE[11],
  softplus: PALETTE[12], geluTanh: PALETTE[13], hardSwish: PALETTE[14], scaledSwish: PALETTE[15], logSigmoid: PALETTE[16],
  relu6: PALETTE[17], hardTanh: PALETTE[18], celu: PALETTE[19], softsign: PALETTE[20], hardSigmoid: PALETTE[21],
  exponential: PALETTE[22], tanhShrink: PALETTE[23], softShrink: PALETTE[24], hardShrink: PALETTE[25],
};

/** Stroke dash patterns, solid first, for series that share a colour. */
export const DASHES: readonly (readonly number[])[] = [[1, 0], [6, 3], [2, 2], [8, 3, 2, 3], [12, 4]];

const NAMES: ReadonlySet<string> = new Set(ACTIVATION_NAMES);

function isActivationName(name: string): name is ActivationName {
  return NAMES.has(name);
}

/**
 * The registry activation a series label stands for: the label itself ('swish') or its
 * first word before parameters ('swish (beta=2)'); undefined for any other label.
 */
export function activationOf(label: string): ActivationName | undefined {
  if (isActivationName(label)) return label;
  const head = /^([A-Za-z0-9]+) \(/.exec(label);
  return head !== null && isActivationName(head[1]) ? head[1] : undefined;
}

/**
 * Refuses a text that Vega cannot draw: Vega 6 compiles titles, legend entries and sort
 * orders to expressions, and there a string equal to an Object.prototype member's name
 * ('constructor', 'toString', ...) is taken for that member, so rendering failed with
 * "Operator not defined: undefined"; a series labelled '__proto__' lost its lines.
 */
export function checkDrawable(fn: string, what: string, text: string): void {
  if (isPrototypeKey(text)) {
    throw new Error(`actlab: ${fn}: the ${what} ${JSON.stringify(text)} cannot be drawn: Vega takes a text equal to the name of an ` +
      "Object.prototype member ('__proto__', 'constructor', 'toString', ...) for that member; expected any other text");
  }
}

/** Colour and dash of every series of one figure, in the given order. */
export interface SeriesStyles {
  readonly labels: string[];
  readonly colors: string[];
  readonly dashes: number[][];
  /** Some series share a colour, so the dash must be drawn to tell them apart. */
  readonly dashed: boolean;
}

/**
 * Styles for a figure's series. When every series is a registry activation, each takes its
 * activation's colour and repeats of one activation differ in dash, up to `maxDashes` series
 * an activation (1 where dashes mean something else); further repeats take colours no
 * activation of the figure has. Otherwise (other labels, or more repeats than spare
 * colours) series take the palette in order, and after the palette runs out, the next dash
 * pattern. With `ownDash`, a figure of at most DASHES.length series gives each its own dash,
 * in order, so that lines differ in more than colour (for readers who cannot tell the
 * colours apart, and on a grey printout); more series keep the rules above.
 */
export function seriesStyles(series: readonly { readonly label: string; readonly name?: string }[], maxDashes = DASHES.length,
  ownDash = false): SeriesStyles {
  const labels = series.map((s) => s.label);
  for (const l of labels) checkDrawable('plot', 'series label', l);
  const names = series.map((s) => (s.name !== undefined && isActivationName(s.name) ? s.name : activationOf(s.label)));
  const seen = new Map<ActivationName, number>();
  const occurrence = names.map((n) => {
    if (n === undefined) return -1;
    const k = seen.get(n) ?? 0;
    seen.set(n, k + 1);
    return k;
  });
  const dashesPer = Math.min(maxDashes, DASHES.length);
  const allNamed = names.every((n) => n !== undefined);
  const fixed = allNamed && occurrence.every((k) => k < dashesPer);
  // Repeats beyond the dashes (a training figure's dash means the split) take colours that no
  // activation of this figure has, from the palette's end; the first of each keeps its own.
  const taken = new Set(names.flatMap((n) => (n === undefined ? [] : [ACTIVATION_COLORS[n]])));
  const spare = PALETTE.filter((c) => !taken.has(c)).reverse();
  const extra = occurrence.filter((k) => k >= dashesPer).length;
  const repeats = allNamed && !fixed && extra <= spare.length;
  const colors: string[] = [];
  const dashIndex: number[] = [];
  names.forEach((n, i) => {
    if ((fixed || repeats) && n !== undefined) {
      const own = occurrence[i] < dashesPer;
      colors.push(own ? ACTIVATION_COLORS[n] : spare.shift() ?? PALETTE[i % PALETTE.length]);
      dashIndex.push(own ? occurrence[i] : 0);
    } else {
      colors.push(PALETTE[i % PALETTE.length]);
      dashIndex.push(Math.floor(i / PALETTE.length) % DASHES.length);
    }
  });
  const dashes = ownDash && series.length <= DASHES.length ? series.map((_, i) => i) : dashIndex;
  return { labels, colors, dashes: dashes.map((d) => [...DASHES[d]]), dashed: dashes.some((d) => d > 0) };
}

/**
 * Axis tick format: up to 6 significant digits, trailing zeros trimmed. The precision is
 * given so that Vega does not derive one from the tick step (which writes 10 as 1e+1 with
 * '~g', and a lone tick on an all-equal axis as 0.000000).
 */
export const TICK_NUMBER = '.6~g';
/** Percent ticks, trailing zeros trimmed, the precision given for the same reason. */
export const TICK_PERCENT = '.4~%';

/** v where a figure can draw it, else null (left out; the figure's notes say why). */
export function finiteOrNull(v: number | undefined): number | null {
  return v !== undefined && Number.isFinite(v) ? v : null;
}

/** A number as a note prints it: NaN, +inf, -inf, or up to 4 significant digits. */
export function fmt(v: number): string {
  if (typeof v !== 'number' || Number.isNaN(v)) return 'NaN'; // JSON turns NaN into null
  if (!Number.isFinite(v)) return v > 0 ? '+inf' : '-inf';
  return String(Number(v.toPrecision(4)));
}

/** What a figure left out of one series: `count` of `total` values, and their kinds. */
export interface Omission {
  readonly series: string;
  readonly count: number;
  readonly total: number;
  readonly what?: string;
}

/** Counts the values of `values` that are not finite, and names their kinds (NaN, +inf, -inf). */
export function nonFinite(values: readonly (number | null)[]): { count: number; kinds: string } {
  const kinds = new Set<string>();
  let count = 0;
  for (const v of values) {
    if (v === null || !Number.isFinite(v)) { count++; kinds.add(v === null ? 'NaN' : fmt(v)); }
  }
  return { count, kinds: [...kinds].join('/') };
}

/** One sentence for a subtitle saying which series lost which values, or '' when none did. */
export function omissionNote(omitted: readonly Omission[], why: string): string {
  const parts = omitted.filter((o) => o.count > 0).map((o) => {
    const what = o.what === undefined ? '' : ` ${o.what}`;
    return o.count === o.total ? `${o.series}${what} (all ${o.total})` : `${o.series}${what} (${o.count} of ${o.total})`;
  });
  return parts.length === 0 ? '' : `not drawn, ${why}: ${parts.join(', ')}`;
}

/** "1 epoch", "3 epochs". */
export function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}
