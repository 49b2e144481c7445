// Figures for slide 4: probabilities per class at each temperature, and entropy against
// temperature.
import type { SoftmaxTemperatureResult } from '../analyzers/softmax-temperature.js';
import { CONFIG, SCHEMA, title, type VegaLiteSpec, vl } from './theme.js';

// Scores are float32 values: print them to float32 precision (0.1, not 0.10000000149011612).
const rowName = (r: number, scores: readonly number[]): string => `row ${r}: [${scores.map((v) => Number(v.toPrecision(7))).join(', ')}]`;

/** Grouped bars: for each score row, the probability of every class at every temperature. */
export function softmaxSpec(result: SoftmaxTemperatureResult, options: { readonly title?: string } = {}): VegaLiteSpec {
  const values = result.results.flatMap((t) => t.probabilities.flatMap((row, r) =>
    row.map((p, j) => ({ row: rowName(r, result.scores[r]), cls: j, temperature: `T = ${t.temperature}`, p }))));
  return vl({
    $schema: SCHEMA,
    title: title(options.title ?? 'Softmax with temperature', 'low T sharpens towards the largest score, high T flattens towards uniform'),
    config: CONFIG,
    data: { values },
    facet: { row: { field: 'row', type: 'nominal', title: null, header: { labelAngle: 0, labelAlign: 'left', labelAnchor: 'start', labelOrient: 'top' } } },
    spec: {
      width: 520, height: 130,
      mark: { type: 'bar' },
      encoding: {
        x: { field: 'cls', type: 'ordinal', title: 'class index', axis: { labelAngle: 0 } },
        xOffset: { field: 'temperature', type: 'nominal', sort: result.results.map((t) => `T = ${t.temperature}`) },
        y: { field: 'p', type: 'quantitative', title: 'probability', scale: { domain: [0, 1] } },
        color: { field: 'temperature', type: 'nominal', title: 'temperature', sort: result.results.map((t) => `T = ${t.temperature}`), legend: { orient: 'top' } },
        tooltip: [{ field: 'row' }, { field: 'cls' }, { field: 'temperature' }, { field: 'p', format: '.4f' }],
      },
    },
  });
}

/** Entropy of each row against temperature, with the uniform limit log(classes). */
export function softmaxEntropySpec(result: SoftmaxTemperatureResult, options: { readonly title?: string } = {}): VegaLiteSpec {
  const values = result.results.flatMap((t) => t.entropy.map((h, r) => ({ row: `row ${r}`, temperature: t.temperature, entropy: h })));
  return vl({
    $schema: SCHEMA,
    title: title(options.title ?? 'Softmax entropy against temperature', `dashed: log ${result.classes} = ${result.maxEntropy.toFixed(4)} nats, a uniform distribution`),
    config: CONFIG,
    width: 560, height: 280,
    layer: [
      {
        data: { values },
        mark: { type: 'line', point: true },
        encoding: {
          x: { field: 'temperature', type: 'quantitative', title: 'temperature T', scale: { type: 'log' } },
          y: { field: 'entropy', type: 'quantitative', title: 'entropy (nats)', scale: { domain: [0, result.maxEntropy] } },
          color: { field: 'row', type: 'nominal', title: 'score row', legend: { orient: 'top' } },
        },
      },
      {
        data: { values: [{ h: result.maxEntropy }] },
        mark: { type: 'rule', strokeDash: [4, 4], color: '#888' },
        encoding: { y: { field: 'h', type: 'quantitative' } },
      },
    ],
  });
}
