// latexToMathML: the LaTeX subset of the registry and the report as MathML Core. The
// structure is checked here; test/cli.test.ts checks that Chromium lays the report's
// formulas out (fractions taller than a line, no error boxes).
import { beforeAll, describe, expect, test } from 'vitest';
import { init, activations, plot } from '../src/index.js';

beforeAll(async () => { await init(); });

const { latexToMathML } = plot;

/** The MathML inside <semantics>, without the annotation. */
function body(latex: string): string {
  const m = /<semantics>(.*)<annotation/.exec(latexToMathML(latex));
  if (m === null) throw new Error(`no semantics in ${latexToMathML(latex)}`);
  return m[1];
}

/** Tags open and close in order (the output is XML), and no LaTeX command is left over. */
function expectWellFormed(latex: string, xml: string): void {
  const stack: string[] = [];
  for (const m of xml.matchAll(/<(\/?)([a-z]+)[^>]*?(\/?)>/g)) {
    if (m[3] === '/') continue;
    if (m[1] === '') stack.push(m[2]);
    else expect(stack.pop(), `${latex}: </${m[2]}> closes the wrong tag in ${xml}`).toBe(m[2]);
  }
  expect(stack, `${latex}: unclosed tags in ${xml}`).toEqual([]);
  const visible = xml.replace(/<annotation[^>]*>.*<\/annotation>/, '');
  expect(visible, `${latex}: a LaTeX command leaked into ${visible}`).not.toMatch(/\\[a-zA-Z]/);
}

describe('latexToMathML', () => {
  test('fractions, scripts, groups and the minus sign', () => {
    expect(body(String.raw`\frac{1}{1 + e^{-x}}`)).toBe(
      '<mfrac><mn>1</mn><mrow><mn>1</mn><mo>+</mo><msup><mi>e</mi><mrow><mo>−</mo><mi>x</mi></mrow></msup></mrow></mfrac>');
    expect(body('x^2')).toBe('<msup><mi>x</mi><mn>2</mn></msup>');
    // One digit is a script's argument, as in TeX: e^23 is e^2 followed by 3.
    expect(body('e^23')).toBe('<mrow><msup><mi>e</mi><mn>2</mn></msup><mn>3</mn></mrow>');
    expect(body(String.raw`\alpha_c x`)).toBe('<mrow><msub><mi>α</mi><mi>c</mi></msub><mi>x</mi></mrow>');
    expect(body('p_{n, y_n}^2')).toBe('<msubsup><mi>p</mi><mrow><mi>n</mi><mo>,</mo><msub><mi>y</mi><mi>n</mi></msub></mrow><mn>2</mn></msubsup>');
    expect(body('0.044715 x^3')).toBe('<mrow><mn>0.044715</mn><msup><mi>x</mi><mn>3</mn></msup></mrow>');
  });

  test('function names upright, capital Greek upright, symbols, spacing, roots, accents', () => {
    expect(body(String.raw`\tanh^2(x)`)).toBe('<mrow><msup><mi>tanh</mi><mn>2</mn></msup><mo stretchy="false">(</mo><mi>x</mi><mo stretchy="false">)</mo></mrow>');
    expect(body(String.raw`x\,\Phi(x)`)).toContain('<mspace width="0.1667em"></mspace><mi mathvariant="normal">Φ</mi>');
    expect(body(String.raw`\operatorname{erf}\frac{x}{\sqrt 2}`)).toBe('<mrow><mi>erf</mi><mfrac><mi>x</mi><msqrt><mn>2</mn></msqrt></mfrac></mrow>');
    expect(body(String.raw`\sqrt{2\pi}`)).toBe('<msqrt><mrow><mn>2</mn><mi>π</mi></mrow></msqrt>');
    // An index in brackets is the root's degree, not text under the root.
    expect(body(String.raw`\sqrt[3]{x^2 + b}`)).toBe('<mroot><mrow><msup><mi>x</mi><mn>2</mn></msup><mo>+</mo><mi>b</mi></mrow><mn>3</mn></mroot>');
    expect(body(String.raw`x \le 0,\quad \lambda \approx 1.05`)).toBe(
      '<mrow><mi>x</mi><mo>≤</mo><mn>0</mn><mo>,</mo><mspace width="1em"></mspace><mi>λ</mi><mo>≈</mo><mn>1.05</mn></mrow>');
    expect(body(String.raw`\hat y_n`)).toBe('<msub><mover accent="true"><mi>y</mi><mo>^</mo></mover><mi>n</mi></msub>');
    expect(body(String.raw`\lVert \partial L \rVert_2`)).toBe('<mrow><mo>‖</mo><mi>∂</mi><mi>L</mi><msub><mo>‖</mo><mn>2</mn></msub></mrow>');
    expect(body(String.raw`\text{if x < 0}`)).toBe('<mtext>if x &lt; 0</mtext>');
  });

  test('\\left ... \\right fences and cases', () => {
    expect(body(String.raw`\left(1 + x\right)`)).toBe('<mrow><mo fence="true">(</mo><mn>1</mn><mo>+</mo><mi>x</mi><mo fence="true">)</mo></mrow>');
    expect(body(String.raw`\left. x \right|`)).toBe('<mrow><mi>x</mi><mo fence="true">|</mo></mrow>');
    expect(body(String.raw`\begin{cases} 1 & x > 0 \\ 0 & \text{otherwise} \end{cases}`)).toBe(
      '<mrow><mo>{</mo><mtable columnalign="left left">' +
      '<mtr><mtd><mn>1</mn></mtd><mtd><mrow><mi>x</mi><mo>&gt;</mo><mn>0</mn></mrow></mtd></mtr>' +
      '<mtr><mtd><mn>0</mn></mtd><mtd><mtext>otherwise</mtext></mtd></mtr></mtable></mrow>');
  });

  test('a math element with display, namespace and the source as an annotation', () => {
    const m = latexToMathML('a < b', { display: 'block' });
    expect(m.startsWith('<math xmlns="http://www.w3.org/1998/Math/MathML" display="block"><semantics>')).toBe(true);
    expect(m).toContain('<annotation encoding="application/x-tex">a &lt; b</annotation></semantics></math>');
    expect(latexToMathML('x')).not.toContain('display=');
  });

  test('every registry formula and derivative converts to well-formed MathML', () => {
    const rows = activations.list();
    expect(rows.length).toBeGreaterThanOrEqual(26);
    for (const r of rows) {
      for (const latex of [r.formula, r.derivative]) expectWellFormed(latex, latexToMathML(latex, { display: 'block' }));
    }
    // The cases rows keep their branches: softShrink has three.
    expect((latexToMathML(activations.list().find((r) => r.name === 'softShrink')!.formula).match(/<mtr>/g) ?? []).length).toBe(3);
  });

  test.each([
    [String.raw`\foo{x}`, 'unsupported command \\foo'],
    [String.raw`\frac{1}{2`, "a '{' is not closed"],
    [String.raw`\frac{1}`, '\\frac has no argument'],
    ['x^', '^ has no argument'],
    ['x^2^3', 'a double superscript or subscript'],
    ['a } b', "unexpected '}'"],
    ['a & b', "unexpected '&'"],
    [String.raw`\left( x`, '\\left without \\right'],
    [String.raw`\begin{matrix} a \end{matrix}`, 'unsupported environment matrix'],
    [String.raw`\begin{cases} a & b`, '\\begin{cases} without \\end{cases}'],
    [String.raw`\text x`, '\\text needs a {...} argument'],
    ['x \\', 'a lone backslash'],
    [String.raw`\sqrt[3 x`, 'the index of \\sqrt[...] is not closed'],
  ])('%s is refused: %s', (latex, message) => {
    expect(() => latexToMathML(latex)).toThrow(`actlab: latexToMathML: ${message}`);
  });
});
