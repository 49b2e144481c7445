// LaTeX formulas (the subset the registry and the report use) as MathML Core, which
// Chromium, Firefox and Safari lay out natively: the report shows typeset math offline,
// with no script or font to embed. The LaTeX source rides along as an annotation.
//
// Supported: groups {...}; superscripts and subscripts; \frac, \sqrt, \sqrt[n], \left ... \right,
// \begin{cases} ... \end{cases}, \text, \operatorname, \hat; Greek letters; the function
// names and symbols listed below; spacing \, \: \; \quad \qquad and "\ ". Anything else is
// an error that names the command, so a new formula cannot render half-right unnoticed.

const GREEK: Readonly<Record<string, string>> = {
  alpha: 'α', beta: 'β', gamma: 'γ', delta: 'δ', epsilon: 'ϵ', varepsilon: 'ε', zeta: 'ζ', eta: 'η',
  theta: 'θ', iota: 'ι', kappa: 'κ', lambda: 'λ', mu: 'μ', nu: 'ν', xi: 'ξ', pi: 'π', rho: 'ρ',
  sigma: 'σ', tau: 'τ', upsilon: 'υ', phi: 'ϕ', varphi: 'φ', chi: 'χ', psi: 'ψ', omega: 'ω',
  Gamma: 'Γ', Delta: 'Δ', Theta: 'Θ', Lambda: 'Λ', Xi: 'Ξ', Pi: 'Π', Sigma: 'Σ', Phi: 'Φ', Psi: 'Ψ', Omega: 'Ω',
};

/** Upright function names: \tanh(x) is "tanh", not t*a*n*h. */
const FUNCTIONS = new Set(['sin', 'cos', 'tan', 'sinh', 'cosh', 'tanh', 'sech', 'exp', 'log', 'ln', 'max', 'min', 'erf', 'arg']);

/** Symbols set as operators (<mo>): relations, binary operators, large operators, fences. */
const OPERATORS: Readonly<Record<string, string>> = {
  le: '≤', leq: '≤', ge: '≥', geq: '≥', ne: '≠', neq: '≠', approx: '≈', sim: '∼', equiv: '≡', cdot: '⋅', times: '×',
  pm: '±', mp: '∓', to: '→', rightarrow: '→', in: '∈', sum: '∑', prod: '∏', lVert: '‖', rVert: '‖', Vert: '‖',
  vert: '|', mid: '∣', ldots: '…', dots: '…', cdots: '⋯', langle: '⟨', rangle: '⟩', '{': '{', '}': '}', '|': '‖',
};
/** Symbols set as identifiers (<mi>). */
const IDENTIFIERS: Readonly<Record<string, string>> = { partial: '∂', infty: '∞', nabla: '∇', ell: 'ℓ' };

/** Widths of the spacing commands, in em. */
const SPACES: Readonly<Record<string, number>> = { ',': 0.1667, ':': 0.2222, ';': 0.2778, ' ': 0.3333, quad: 1, qquad: 2 };

type Token =
  | { kind: 'command'; name: string }
  | { kind: 'char'; text: string }
  | { kind: 'number'; text: string }
  | { kind: 'raw'; name: string; text: string };

/** Commands whose {argument} is text, taken as written (spaces included). */
const RAW = new Set(['text', 'operatorname', 'begin', 'end']);

/**
 * Characters XML 1.0 forbids even escaped: C0 controls other than tab, line feed and carriage
 * return, lone surrogates, U+FFFE and U+FFFF. One in an SVG makes the file unreadable to XML
 * parsers (resvg refuses it, a browser shows an error page instead of the figure). A pair of
 * surrogates is matched first and kept; any other match is forbidden (no lookbehind: Safari
 * before 16.4 refuses it).
 */
const NOT_XML = /[\ud800-\udbff][\udc00-\udfff]|[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]/g;

/** Text with every character XML 1.0 forbids replaced by U+FFFD (the replacement character); the rest as it was. */
export function xmlChars(text: string): string {
  return text.replace(NOT_XML, (c) => (c.length === 2 ? c : '\ufffd'));
}

/**
 * Text made safe inside XML (and HTML) elements and double-quoted attributes: markup
 * characters escaped, characters XML forbids replaced (see xmlChars).
 */
export function escapeXml(text: string): string {
  return xmlChars(text).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function tokenize(src: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i];
    if (c === '\\') {
      const word = /^[a-zA-Z]+/.exec(src.slice(i + 1));
      if (word && RAW.has(word[0])) {
        let j = i + 1 + word[0].length;
        while (j < src.length && /\s/.test(src[j])) j++;
        if (src[j] !== '{') throw new Error(`actlab: latexToMathML: \\${word[0]} needs a {...} argument in "${src}"`);
        const close = src.indexOf('}', j);
        if (close < 0) throw new Error(`actlab: latexToMathML: the argument of \\${word[0]} is not closed in "${src}"`);
        out.push({ kind: 'raw', name: word[0], text: src.slice(j + 1, close) });
        i = close + 1;
      } else if (word) {
        out.push({ kind: 'command', name: word[0] });
        i += 1 + word[0].length;
      } else if (i + 1 < src.length) {
        out.push({ kind: 'command', name: src[i + 1] });
        i += 2;
      } else {
        throw new Error(`actlab: latexToMathML: a lone backslash ends "${src}"`);
      }
    } else if (/\s/.test(c)) {
      i++;
    } else if (/[0-9.]/.test(c)) {
      const num = /^[0-9]*\.?[0-9]+|^[0-9]+\.?/.exec(src.slice(i));
      const text = num ? num[0] : c;
      out.push({ kind: 'number', text });
      i += text.length;
    } else {
      out.push({ kind: 'char', text: c });
      i++;
    }
  }
  return out;
}

class Parser {
  private pos = 0;
  constructor(private readonly tokens: Token[], private readonly src: string) {}

  private fail(what: string): never {
    throw new Error(`actlab: latexToMathML: ${what} in "${this.src}"`);
  }

  private peek(): Token | undefined { return this.tokens[this.pos]; }

  private isChar(t: Token | undefined, text: string): boolean { return t !== undefined && t.kind === 'char' && t.text === text; }

  private isCommand(t: Token | undefined, name: string): boolean { return t !== undefined && t.kind === 'command' && t.name === name; }

  /** A sequence of atoms up to '}', '&', '\\', \end, \right or the end; the MathML of each. */
  sequence(): string[] {
    const items: string[] = [];
    for (;;) {
      const t = this.peek();
      if (t === undefined || this.isChar(t, '}') || this.isChar(t, '&') ||
        this.isCommand(t, '\\') || (t.kind === 'raw' && t.name === 'end') || this.isCommand(t, 'right')) return items;
      items.push(this.scripted());
    }
  }

  /** The whole input. */
  all(): string {
    const items = this.sequence();
    const t = this.peek();
    if (t !== undefined) this.fail(`unexpected ${describe(t)}`);
    return row(items);
  }

  /** An atom with its ^ and _ scripts. */
  private scripted(): string {
    const base = this.atom();
    let sup: string | undefined, sub: string | undefined;
    for (;;) {
      const t = this.peek();
      if (this.isChar(t, '^') && sup === undefined) { this.pos++; sup = this.argument('^'); continue; }
      if (this.isChar(t, '_') && sub === undefined) { this.pos++; sub = this.argument('_'); continue; }
      if (this.isChar(t, '^') || this.isChar(t, '_')) this.fail('a double superscript or subscript');
      break;
    }
    if (sup !== undefined && sub !== undefined) return `<msubsup>${base}${sub}${sup}</msubsup>`;
    if (sup !== undefined) return `<msup>${base}${sup}</msup>`;
    if (sub !== undefined) return `<msub>${base}${sub}</msub>`;
    return base;
  }

  /** A command's or script's argument: a {group} or one token (as in \sqrt 2, e^x). */
  private argument(of: string): string {
    const t = this.peek();
    if (t === undefined) this.fail(`${of} has no argument`);
    if (this.isChar(t, '{')) return this.group();
    if (t.kind === 'number' && t.text.length > 1) {
      // e^23 means e^{2}3 in TeX: one digit is the argument.
      this.tokens.splice(this.pos, 1, { kind: 'number', text: t.text[0] }, { kind: 'number', text: t.text.slice(1) });
    }
    return this.atom();
  }

  /** {expr} as one mrow. */
  private group(): string {
    if (!this.isChar(this.peek(), '{')) this.fail("expected '{'");
    this.pos++;
    const items = this.sequence();
    if (!this.isChar(this.peek(), '}')) this.fail("a '{' is not closed");
    this.pos++;
    return row(items);
  }

  private atom(): string {
    const t = this.peek();
    if (t === undefined) this.fail('unexpected end');
    if (t.kind === 'number') { this.pos++; return `<mn>${escapeXml(t.text)}</mn>`; }
    if (t.kind === 'raw') {
      this.pos++;
      if (t.name === 'text') return `<mtext>${escapeXml(t.text)}</mtext>`;
      if (t.name === 'operatorname') return `<mi>${escapeXml(t.text.trim())}</mi>`;
      if (t.name === 'begin') return this.environment(t.text.trim());
      return this.fail(`\\end{${t.text}} without \\begin`);
    }
    if (t.kind === 'char') {
      if (t.text === '{') return this.group();
      if (t.text === '}' || t.text === '^' || t.text === '_' || t.text === '&') this.fail(`unexpected '${t.text}'`);
      this.pos++;
      if (/[a-zA-Z]/.test(t.text)) return `<mi>${t.text}</mi>`;
      if (t.text === "'") return '<mo>′</mo>';
      if (t.text === '-') return '<mo>−</mo>';
      if (t.text === '(' || t.text === ')' || t.text === '[' || t.text === ']') return `<mo stretchy="false">${t.text}</mo>`;
      if (t.text === '|') return '<mo stretchy="false">|</mo>';
      return `<mo>${escapeXml(t.text)}</mo>`;
    }
    return this.command(t.name);
  }

  private command(name: string): string {
    this.pos++;
    if (name in GREEK) {
      // Capital Greek is upright in TeX; MathML would slant a one-letter <mi>.
      return /^[A-Z]/.test(name) ? `<mi mathvariant="normal">${GREEK[name]}</mi>` : `<mi>${GREEK[name]}</mi>`;
    }
    if (FUNCTIONS.has(name)) return `<mi>${name}</mi>`;
    if (name in OPERATORS) return `<mo>${escapeXml(OPERATORS[name])}</mo>`;
    if (name in IDENTIFIERS) return `<mi>${IDENTIFIERS[name]}</mi>`;
    if (name in SPACES) return `<mspace width="${SPACES[name]}em"></mspace>`;
    switch (name) {
      case 'frac': {
        const num = this.argument('\\frac');
        const den = this.argument('\\frac');
        return `<mfrac>${num}${den}</mfrac>`;
      }
      case 'sqrt': {
        // \sqrt[n]{x}: the index in brackets, as TeX reads it (it was drawn as "[n]x" under the root).
        if (!this.isChar(this.peek(), '[')) return `<msqrt>${this.argument('\\sqrt')}</msqrt>`;
        this.pos++;
        const index: string[] = [];
        while (!this.isChar(this.peek(), ']')) {
          if (this.peek() === undefined) this.fail("the index of \\sqrt[...] is not closed");
          index.push(this.scripted());
        }
        this.pos++;
        return `<mroot>${this.argument('\\sqrt')}${row(index)}</mroot>`;
      }
      case 'hat': return `<mover accent="true">${this.argument('\\hat')}<mo>^</mo></mover>`;
      case 'left': return this.fenced();
      default: return this.fail(`unsupported command \\${name}`);
    }
  }

  /** The delimiter after \left or \right: a character, \{, \}, \| or '.' (none). */
  private delimiter(after: string): string {
    const t = this.peek();
    if (t === undefined) this.fail(`\\${after} has no delimiter`);
    this.pos++;
    if (t.kind === 'char' && '()[]|'.includes(t.text)) return t.text;
    if (t.kind === 'number' && t.text === '.') return '';
    if (t.kind === 'command' && (t.name === '{' || t.name === '}')) return t.name;
    if (t.kind === 'command' && (t.name === '|' || t.name === 'Vert' || t.name === 'lVert' || t.name === 'rVert')) return '‖';
    return this.fail(`\\${after} takes ( ) [ ] | \\{ \\} \\| or ., not ${t.kind === 'command' ? `\\${t.name}` : t.text}`);
  }

  private fenced(): string {
    const open = this.delimiter('left');
    const items = this.sequence();
    if (!this.isCommand(this.peek(), 'right')) this.fail('\\left without \\right');
    this.pos++;
    const close = this.delimiter('right');
    const fence = (d: string): string => (d === '' ? '' : `<mo fence="true">${escapeXml(d)}</mo>`);
    return row([fence(open), ...items, fence(close)]);
  }

  /** \begin{cases} a & b \\ c & d \end{cases}: a brace and a left-aligned table. */
  private environment(env: string): string {
    if (env !== 'cases') this.fail(`unsupported environment ${env}`);
    const rows: string[][] = [[]];
    for (;;) {
      rows[rows.length - 1].push(row(this.sequence()));
      const t = this.peek();
      if (t === undefined) this.fail('\\begin{cases} without \\end{cases}');
      this.pos++;
      if (this.isChar(t, '&')) continue;
      if (this.isCommand(t, '\\')) { rows.push([]); continue; }
      if (t.kind === 'raw' && t.name === 'end') {
        if (t.text.trim() !== 'cases') this.fail(`\\begin{cases} ends with \\end{${t.text}}`);
        break;
      }
      this.fail(`unexpected ${describe(t)} inside cases`);
    }
    const table = rows.map((r) => `<mtr>${r.map((c) => `<mtd>${c}</mtd>`).join('')}</mtr>`).join('');
    return `<mrow><mo>{</mo><mtable columnalign="left left">${table}</mtable></mrow>`;
  }
}

function describe(t: Token): string {
  if (t.kind === 'command') return `\\${t.name}`;
  if (t.kind === 'raw') return `\\${t.name}{${t.text}}`;
  return `'${t.text}'`;
}

function row(items: readonly string[]): string {
  const kept = items.filter((s) => s !== '');
  return kept.length === 1 ? kept[0] : `<mrow>${kept.join('')}</mrow>`;
}

/**
 * A LaTeX formula as a MathML `<math>` element (MathML Core: rendered natively by current
 * Chromium, Firefox and Safari), with the source kept in an `application/x-tex`
 * annotation. `display: 'block'` sets it on its own line. Throws an Error naming the first
 * construct outside the supported subset (see the top of src/plot/mathml.ts).
 */
export function latexToMathML(latex: string, options: { display?: 'block' | 'inline' } = {}): string {
  const body = new Parser(tokenize(latex), latex).all();
  const display = options.display === 'block' ? ' display="block"' : '';
  return `<math xmlns="http://www.w3.org/1998/Math/MathML"${display}><semantics>${body}` +
    `<annotation encoding="application/x-tex">${escapeXml(latex)}</annotation></semantics></math>`;
}
