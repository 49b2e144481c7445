// Text for a terminal: names chosen by the user (or read from a model file) shown in
// model.summary() and the CLI's tables. Control characters are made visible, so that a name
// cannot move the cursor, recolour the terminal or reorder the line (an ANSI escape, a
// carriage return, a bidirectional override); columns are padded by the cells a terminal
// gives each character (two for a CJK or full-width character or an emoji, none for a
// combining mark), not by UTF-16 length.

/**
 * Characters that act on a terminal instead of printing: C0 and C1 controls and DEL, line and
 * paragraph separators, zero-width and bidirectional formatting characters, the BOM.
 */
const CONTROL = /[\p{Cc}\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]/gu;

/** Text with each control character written as its escape (`\u001b`), the rest as it was. */
export function terminalText(text: string): string {
  return text.replace(CONTROL, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/**
 * Refuses a layer or model name that holds a control character: names reach the terminal
 * in summary() and in error messages (a model file from elsewhere could otherwise recolour
 * the terminal, rewrite its title or reorder a line). `where` names the caller.
 */
export function checkName(where: string, name: string): void {
  const bad = /[\p{Cc}\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]/u.exec(name);
  if (bad !== null) {
    throw new Error(`actlab: ${where}: the name '${terminalText(name)}' holds the control character ` +
      `U+${bad[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')} at index ${bad.index}; expected a name without control characters, ` +
      'line breaks, zero-width or bidirectional formatting characters');
  }
}

/** Characters a terminal draws in no cell of their own: combining marks and variation selectors. */
const ZERO_WIDTH = /^[\p{Mn}\p{Me}\ufe00-\ufe0f\u200d]$/u;
/** East Asian wide and full-width characters and emoji, drawn two cells wide. */
const WIDE = /^[\u1100-\u115f\u2e80-\u303e\u3041-\u33ff\u3400-\u4dbf\u4e00-\u9fff\ua000-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6\u{1f300}-\u{1f64f}\u{1f900}-\u{1f9ff}\u{20000}-\u{3fffd}]$/u;

/** The cells a terminal gives `text` (printed after terminalText). */
export function displayWidth(text: string): number {
  let w = 0;
  for (const c of text) w += ZERO_WIDTH.test(c) ? 0 : WIDE.test(c) ? 2 : 1;
  return w;
}

/** `text` padded with spaces to `width` terminal cells, after it ('end') or before it ('start'). */
export function padCells(text: string, width: number, side: 'end' | 'start' = 'end'): string {
  const pad = ' '.repeat(Math.max(0, width - displayWidth(text)));
  return side === 'end' ? text + pad : pad + text;
}
