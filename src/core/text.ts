// Text for a terminal: names chosen by the user (or read from a model file) shown in
// model.summary() and the CLI's tables. Control characters are made visible, so that a name
// cannot move the cursor, recolour the terminal or reorder the line (an ANSI escape, a
// carriage return, a bidirectional override); columns are padded by the cells a terminal
// gives each character (two for a CJK or full-width character or an emoji, none for a
// combining mark), not by UTF-16 length.

/**
 * Characters that act on a terminal instead of printing: C0 and C1 controls and DEL, line and
 * paragraph separators, zero-width spaces and bidirectional formatting characters, the BOM.
 * Not the zero-width non-joiner and joiner (U+200C, U+200D): Persian and Indic spellings and
 * emoji sequences (👩‍🔬) need them, and they move nothing.
 */
const CONTROL = /[\p{Cc}\u200b\u200e\u200f\u2028-\u202e\u2060-\u2069\ufeff]/gu;

/** Text with each control character written as its escape (`\u001b`), the rest as it was. */
export function terminalText(text: string): string {
  return text.replace(CONTROL, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/**
 * Text from elsewhere (a file, a config) as a message quotes it: cut to `max` characters and
 * with control characters escaped, so a million-character key or an ANSI escape cannot fill
 * or rewrite the terminal.
 */
export function clipText(text: string, max: number): string {
  return terminalText(text.length > max ? `${text.slice(0, max)}...` : text);
}

/**
 * Refuses a layer or model name that holds a control character: names reach the terminal
 * in summary() and in error messages (a model file from elsewhere could otherwise recolour
 * the terminal, rewrite its title or reorder a line). `where` names the caller.
 */
export function checkName(where: string, name: string): void {
  const bad = /[\p{Cc}\u200b\u200e\u200f\u2028-\u202e\u2060-\u2069\ufeff]/u.exec(name);
  if (bad !== null) {
    throw new Error(`actlab: ${where}: the name '${terminalText(name)}' holds the control character ` +
      `U+${bad[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')} at index ${bad.index}; expected a name without control characters, ` +
      'line breaks, zero-width spaces or bidirectional formatting characters');
  }
}

/**
 * Combining marks (general categories Mn and Me of Unicode 17.0, variation selectors among
 * them) as hex code point ranges. A table, not /\p{Mn}/u: an engine matches \p{...} against
 * the Unicode version it was built with, so a mark newer than some engine's tables (U+1ACF,
 * Unicode 17) took no cell in Node 20 and Bun 1.4 and one in Deno 2.9, and summary()'s
 * columns differed between runtimes. Generated in Node 20 (Unicode 17.0) from
 * /[\p{Mn}\p{Me}]/u; test/user-strings.test.ts checks it against the running engine's tables.
 */
const COMBINING_RANGES =
  '300-36f,483-489,591-5bd,5bf,5c1-5c2,5c4-5c5,5c7,610-61a,64b-65f,670,6d6-6dc,6df-6e4,6e7-6e8,6ea-6ed,711,' +
  '730-74a,7a6-7b0,7eb-7f3,7fd,816-819,81b-823,825-827,829-82d,859-85b,897-89f,8ca-8e1,8e3-902,93a,93c,941-948,' +
  '94d,951-957,962-963,981,9bc,9c1-9c4,9cd,9e2-9e3,9fe,a01-a02,a3c,a41-a42,a47-a48,a4b-a4d,a51,a70-a71,a75,' +
  'a81-a82,abc,ac1-ac5,ac7-ac8,acd,ae2-ae3,afa-aff,b01,b3c,b3f,b41-b44,b4d,b55-b56,b62-b63,b82,bc0,bcd,c00,c04,' +
  'c3c,c3e-c40,c46-c48,c4a-c4d,c55-c56,c62-c63,c81,cbc,cbf,cc6,ccc-ccd,ce2-ce3,d00-d01,d3b-d3c,d41-d44,d4d,' +
  'd62-d63,d81,dca,dd2-dd4,dd6,e31,e34-e3a,e47-e4e,eb1,eb4-ebc,ec8-ece,f18-f19,f35,f37,f39,f71-f7e,f80-f84,' +
  'f86-f87,f8d-f97,f99-fbc,fc6,102d-1030,1032-1037,1039-103a,103d-103e,1058-1059,105e-1060,1071-1074,1082,' +
  '1085-1086,108d,109d,135d-135f,1712-1714,1732-1733,1752-1753,1772-1773,17b4-17b5,17b7-17bd,17c6,17c9-17d3,17dd,' +
  '180b-180d,180f,1885-1886,18a9,1920-1922,1927-1928,1932,1939-193b,1a17-1a18,1a1b,1a56,1a58-1a5e,1a60,1a62,' +
  '1a65-1a6c,1a73-1a7c,1a7f,1ab0-1add,1ae0-1aeb,1b00-1b03,1b34,1b36-1b3a,1b3c,1b42,1b6b-1b73,1b80-1b81,1ba2-1ba5,' +
  '1ba8-1ba9,1bab-1bad,1be6,1be8-1be9,1bed,1bef-1bf1,1c2c-1c33,1c36-1c37,1cd0-1cd2,1cd4-1ce0,1ce2-1ce8,1ced,1cf4,' +
  '1cf8-1cf9,1dc0-1dff,20d0-20f0,2cef-2cf1,2d7f,2de0-2dff,302a-302d,3099-309a,a66f-a672,a674-a67d,a69e-a69f,' +
  'a6f0-a6f1,a802,a806,a80b,a825-a826,a82c,a8c4-a8c5,a8e0-a8f1,a8ff,a926-a92d,a947-a951,a980-a982,a9b3,a9b6-a9b9,' +
  'a9bc-a9bd,a9e5,aa29-aa2e,aa31-aa32,aa35-aa36,aa43,aa4c,aa7c,aab0,aab2-aab4,aab7-aab8,aabe-aabf,aac1,aaec-aaed,' +
  'aaf6,abe5,abe8,abed,fb1e,fe00-fe0f,fe20-fe2f,101fd,102e0,10376-1037a,10a01-10a03,10a05-10a06,10a0c-10a0f,' +
  '10a38-10a3a,10a3f,10ae5-10ae6,10d24-10d27,10d69-10d6d,10eab-10eac,10efa-10eff,10f46-10f50,10f82-10f85,11001,' +
  '11038-11046,11070,11073-11074,1107f-11081,110b3-110b6,110b9-110ba,110c2,11100-11102,11127-1112b,1112d-11134,' +
  '11173,11180-11181,111b6-111be,111c9-111cc,111cf,1122f-11231,11234,11236-11237,1123e,11241,112df,112e3-112ea,' +
  '11300-11301,1133b-1133c,11340,11366-1136c,11370-11374,113bb-113c0,113ce,113d0,113d2,113e1-113e2,11438-1143f,' +
  '11442-11444,11446,1145e,114b3-114b8,114ba,114bf-114c0,114c2-114c3,115b2-115b5,115bc-115bd,115bf-115c0,' +
  '115dc-115dd,11633-1163a,1163d,1163f-11640,116ab,116ad,116b0-116b5,116b7,1171d,1171f,11722-11725,11727-1172b,' +
  '1182f-11837,11839-1183a,1193b-1193c,1193e,11943,119d4-119d7,119da-119db,119e0,11a01-11a0a,11a33-11a38,' +
  '11a3b-11a3e,11a47,11a51-11a56,11a59-11a5b,11a8a-11a96,11a98-11a99,11b60,11b62-11b64,11b66,11c30-11c36,' +
  '11c38-11c3d,11c3f,11c92-11ca7,11caa-11cb0,11cb2-11cb3,11cb5-11cb6,11d31-11d36,11d3a,11d3c-11d3d,11d3f-11d45,' +
  '11d47,11d90-11d91,11d95,11d97,11ef3-11ef4,11f00-11f01,11f36-11f3a,11f40,11f42,11f5a,13440,13447-13455,' +
  '1611e-16129,1612d-1612f,16af0-16af4,16b30-16b36,16f4f,16f8f-16f92,16fe4,1bc9d-1bc9e,1cf00-1cf2d,1cf30-1cf46,' +
  '1d167-1d169,1d17b-1d182,1d185-1d18b,1d1aa-1d1ad,1d242-1d244,1da00-1da36,1da3b-1da6c,1da75,1da84,1da9b-1da9f,' +
  '1daa1-1daaf,1e000-1e006,1e008-1e018,1e01b-1e021,1e023-1e024,1e026-1e02a,1e08f,1e130-1e136,1e2ae,1e2ec-1e2ef,' +
  '1e4ec-1e4ef,1e5ee-1e5ef,1e6e3,1e6e6,1e6ee-1e6ef,1e6f5,1e8d0-1e8d6,1e944-1e94a,e0100-e01ef';

/**
 * Characters a terminal draws two cells wide, as hex code point ranges: East Asian Wide and
 * Fullwidth (EastAsianWidth.txt's W and F, assigned characters, from Python 3.11's
 * unicodedata, Unicode 14.0), every emoji with default emoji presentation
 * (/\p{Emoji_Presentation}/u in Node 20, Unicode 17.0: U+1F680 🚀, U+1FAE0, U+231A ⌚, U+2705
 * ✅, which a hand-written list of blocks counted one cell), and the CJK planes 2 and 3
 * whole. A table for the same reason as COMBINING_RANGES: every engine pads alike.
 */
const WIDE_RANGES =
  '1100-115f,231a-231b,2329-232a,23e9-23ec,23f0,23f3,25fd-25fe,2614-2615,2648-2653,267f,2693,26a1,26aa-26ab,' +
  '26bd-26be,26c4-26c5,26ce,26d4,26ea,26f2-26f3,26f5,26fa,26fd,2705,270a-270b,2728,274c,274e,2753-2755,2757,' +
  '2795-2797,27b0,27bf,2b1b-2b1c,2b50,2b55,2e80-303e,3041-4dbf,4e00-a4cf,a960-a97c,ac00-d7a3,f900-faff,' +
  'fe10-fe19,fe30-fe52,fe54-fe66,fe68-fe6b,ff00-ff60,ffe0-ffe6,16fe0-16fe4,16ff0-16ff1,17000-187f7,18800-18cd5,' +
  '18d00-18d08,1aff0-1aff3,1aff5-1affb,1affd-1affe,1b000-1b122,1b150-1b152,1b164-1b167,1b170-1b2fb,1f004,1f0cf,' +
  '1f18e,1f191-1f19a,1f1e6-1f202,1f210-1f23b,1f240-1f248,1f250-1f251,1f260-1f265,1f300-1f64f,1f680-1f6c5,1f6cc,' +
  '1f6d0-1f6d2,1f6d5-1f6d8,1f6dc-1f6df,1f6eb-1f6ec,1f6f4-1f6fc,1f7e0-1f7eb,1f7f0,1f900-1f9ff,1fa70-1fa7c,' +
  '1fa80-1fa8a,1fa8e-1fac6,1fac8,1facd-1fadc,1fadf-1faea,1faef-1faf8,20000-3fffd';

/** A table of hex ranges ('a-b,c,...') as [first, last, first, last, ...], ascending. */
function parseRanges(table: string): Uint32Array {
  return Uint32Array.from(table.split(',').flatMap((r) => {
    const [first, last = first] = r.split('-');
    return [parseInt(first, 16), parseInt(last, 16)];
  }));
}

const COMBINING = parseRanges(COMBINING_RANGES);
const WIDE = parseRanges(WIDE_RANGES);

/** Whether code point `c` lies in one of the ranges of `table` (from parseRanges): a binary search. */
function inRanges(table: Uint32Array, c: number): boolean {
  let lo = 0, hi = table.length / 2 - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (c < table[2 * mid]) hi = mid - 1;
    else if (c > table[2 * mid + 1]) lo = mid + 1;
    else return true;
  }
  return false;
}

/**
 * Whether a terminal draws code point `c` in no cell of its own: a combining mark, or the
 * zero-width non-joiner or joiner (U+200C, U+200D: names keep them, and terminals, as wcwidth,
 * give them no cell).
 */
function zeroWidth(c: number): boolean {
  return c === 0x200c || c === 0x200d || inRanges(COMBINING, c);
}

/** The cells a terminal gives `text` (printed after terminalText). */
export function displayWidth(text: string): number {
  let w = 0;
  for (const ch of text) {
    const c = ch.codePointAt(0) ?? 0;
    w += zeroWidth(c) ? 0 : inRanges(WIDE, c) ? 2 : 1;
  }
  return w;
}

/** `text` padded with spaces to `width` terminal cells, after it ('end') or before it ('start'). */
export function padCells(text: string, width: number, side: 'end' | 'start' = 'end'): string {
  const pad = ' '.repeat(Math.max(0, width - displayWidth(text)));
  return side === 'end' ? text + pad : pad + text;
}
