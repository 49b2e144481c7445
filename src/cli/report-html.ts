// One self-contained HTML page from report sections: inline SVG figures, tables, formulas
// as MathML, the settings, machine and runtime. No external script, font, stylesheet or
// image, so it opens offline in any browser. On screen a figure wider than the page
// scrolls; printed, a scroll box would cut it, so the print rules scale it to the page.

import { escapeXml, latexToMathML } from '../plot/mathml.js';

export interface ReportTable {
  readonly caption: string;
  readonly columns: readonly string[];
  readonly rows: readonly (readonly (string | number)[])[];
}

export interface RenderedSection {
  readonly id: string;
  /** The seed slides the section covers. */
  readonly slides: readonly number[];
  readonly title: string;
  /** Paragraphs of plain text (escaped here). */
  readonly explanation: readonly string[];
  readonly formulas: readonly { readonly label: string; readonly latex: string }[];
  readonly figures: readonly { readonly caption: string; readonly svg: string }[];
  readonly tables: readonly ReportTable[];
  /** Works cited, as a numbered list of links. */
  readonly references?: readonly ReportReference[];
}

export interface ReportReference {
  /** Authors, title, venue and year. */
  readonly citation: string;
  /** An http(s) address. */
  readonly url: string;
  /** What the work has to do with the report. */
  readonly note: string;
}

export interface ReportDocument {
  readonly title: string;
  readonly generated: string;
  /** Settings and seed, shown as a key/value table. */
  readonly settings: Readonly<Record<string, string>>;
  readonly machine: Readonly<Record<string, string>>;
  readonly runtime: Readonly<Record<string, string>>;
  readonly sections: readonly RenderedSection[];
}

/** Text made safe inside HTML elements and double-quoted attributes (the same rules as XML's). */
const escapeHtml = escapeXml;

const slideText = (slides: readonly number[]): string => `${slides.length > 1 ? 'Slides' : 'Slide'} ${slides.join(', ')}`;

function kvTable(caption: string, kv: Readonly<Record<string, string>>): string {
  const rows = Object.entries(kv).map(([k, v]) => `<tr><th scope="row">${escapeHtml(k)}</th><td>${escapeHtml(v)}</td></tr>`).join('');
  return `<table class="kv"><caption>${escapeHtml(caption)}</caption><tbody>${rows}</tbody></table>`;
}

function dataTable(t: ReportTable): string {
  const head = t.columns.map((c) => `<th scope="col">${escapeHtml(c)}</th>`).join('');
  const body = t.rows.map((r) => `<tr>${r.map((c, i) => (i === 0 ? `<th scope="row">${escapeHtml(String(c))}</th>` : `<td>${escapeHtml(String(c))}</td>`)).join('')}</tr>`).join('');
  return `<table><caption>${escapeHtml(t.caption)}</caption><thead><tr>${head}</tr></thead><tbody>${body}</tbody></table>`;
}

/** An SVG document made embeddable: no XML prolog, so it can sit inside HTML. */
function inlineSvg(svg: string): string {
  return svg.replace(/^<\?xml[^>]*>\s*/, '');
}

/**
 * A formula typeset as MathML (native in Chromium, Firefox and Safari: nothing to load
 * offline), its LaTeX source one click away; the source alone if the converter refuses it.
 */
function formula(latex: string): string {
  let math: string;
  try {
    math = latexToMathML(latex);
  } catch {
    return `<code>${escapeHtml(latex)}</code>`;
  }
  return `${math}<details><summary>LaTeX</summary><code>${escapeHtml(latex)}</code></details>`;
}

function section(s: RenderedSection): string {
  const formulas = s.formulas.length === 0 ? '' :
    `<dl class="formulas">${s.formulas.map((f) => `<dt>${escapeHtml(f.label)}</dt><dd>${formula(f.latex)}</dd>`).join('')}</dl>`;
  const figures = s.figures.map((f) => `<figure>${inlineSvg(f.svg)}<figcaption>${escapeHtml(f.caption)}</figcaption></figure>`).join('');
  return `<section id="${escapeHtml(s.id)}"><h2><span class="slide">${slideText(s.slides)}</span> ${escapeHtml(s.title)}</h2>` +
    s.explanation.map((p) => `<p>${escapeHtml(p)}</p>`).join('') + formulas + figures + s.tables.map(dataTable).join('') +
    references(s.references ?? []) + '</section>';
}

function references(refs: readonly ReportReference[]): string {
  if (refs.length === 0) return '';
  for (const r of refs) {
    if (!/^https?:\/\//.test(r.url)) throw new Error(`actlab: report: reference '${r.citation}' has the address ${JSON.stringify(r.url)}: expected http(s)`);
  }
  return `<ol class="references">${refs.map((r) =>
    `<li><a href="${escapeHtml(r.url)}">${escapeHtml(r.citation)}</a>. ${escapeHtml(r.note)}</li>`).join('')}</ol>`;
}

const STYLE = `
body{font-family:"DejaVu Sans","Liberation Sans",Arial,Helvetica,sans-serif;max-width:960px;margin:2em auto;padding:0 1em;color:#222;line-height:1.45}
h1{margin-bottom:.2em}h2{border-bottom:1px solid #ddd;padding-bottom:.2em;margin-top:2em}
.slide{color:#666;font-weight:normal;font-size:.8em;margin-right:.4em}
figure{margin:1em 0;overflow-x:auto}figcaption{color:#555;font-size:.9em}
table{border-collapse:collapse;margin:1em 0;font-size:.9em}caption{text-align:left;font-weight:bold;padding:.3em 0}
th,td{border:1px solid #ddd;padding:.25em .6em;text-align:right}th[scope=row],thead th{text-align:left;background:#f6f6f6}
.kv td{text-align:left}code{background:#f4f4f4;padding:.1em .3em;border-radius:3px}
dl.formulas dt{font-weight:bold;margin-top:.4em}dl.formulas dd{margin-left:1.2em}
dl.formulas math{font-size:1.15em;math-style:normal;font-family:math}
details summary{color:#666;font-size:.8em;cursor:pointer}
nav ol{columns:2}ol.references li{margin:.4em 0}
@media print{body{max-width:none;margin:0;padding:0}
figure{overflow:visible;break-inside:avoid}figure svg{max-width:100%;height:auto}
h2{break-after:avoid}table{break-inside:auto}tr{break-inside:avoid}
ol.references a::after{content:" <" attr(href) ">";word-break:break-all}}
`;

/** The whole report page. */
export function buildReportHtml(doc: ReportDocument): string {
  const toc = doc.sections.map((s) => `<li><a href="#${escapeHtml(s.id)}">${slideText(s.slides)}: ${escapeHtml(s.title)}</a></li>`).join('');
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(doc.title)}</title><style>${STYLE}</style></head>
<body><header><h1>${escapeHtml(doc.title)}</h1><p>Generated ${escapeHtml(doc.generated)}. Every number below was computed by actlab's WebAssembly kernels; the same settings and seed give the same numbers in every JavaScript runtime (timings aside, which depend on the machine).</p></header>
<nav><h2>Contents</h2><ol>${toc}</ol></nav>
${doc.sections.map(section).join('\n')}
<section id="settings"><h2>Settings, machine and runtime</h2>${kvTable('Settings', doc.settings)}${kvTable('Machine', doc.machine)}${kvTable('Runtime', doc.runtime)}</section>
</body></html>
`;
}
