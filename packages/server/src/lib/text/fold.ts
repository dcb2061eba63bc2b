/**
 * Search folding for any script, with Arabic and Persian in mind, applied to both the indexed text
 * and the query so that spelling variants meet (docs/SEARCH.md has the table):
 * - compatibility forms and presentation forms are decomposed (NFKD), then every combining mark is
 *   dropped: tashkeel/harakat, hamza above/below, madda, superscript alef, Latin accents;
 * - tatweel (ـ) and the zero-width joiner/non-joiner are dropped (ZWNJ joins: "می‌خواهم" = "میخواهم");
 * - alef forms → ا, yeh forms (ي ى) → ی, kaf (ك) → ک, teh marbuta (ة) and heh goal (ہ) → ه;
 * - Arabic-Indic and Persian digits → 0-9; everything is lower-cased.
 */
const MAP: Record<string, string> = {
  '\u0671': '\u0627', // ٱ alef wasla
  '\u0672': '\u0627',
  '\u0673': '\u0627',
  '\u0675': '\u0627',
  '\u064A': '\u06CC', // ي Arabic yeh → ی Farsi yeh
  '\u0649': '\u06CC', // ى alef maksura
  '\u06D2': '\u06CC', // ے yeh barree
  '\u0643': '\u06A9', // ك Arabic kaf → ک keheh
  '\u0629': '\u0647', // ة teh marbuta → ه
  '\u06C1': '\u0647', // ہ heh goal
  '\u06D5': '\u0647', // ە ae
};

// tatweel, ZWNJ, ZWJ, direction marks (an alternation, not a class: ZWJ inside a class reads as a joiner)
const DROP = /\u0640|\u200C|\u200D|\u200E|\u200F|\u061C/g;
const MARKS = /\p{M}/gu;

function digit(ch: string): string {
  const code = ch.charCodeAt(0);
  if (code >= 0x0660 && code <= 0x0669) {
    return String(code - 0x0660);
  }
  if (code >= 0x06f0 && code <= 0x06f9) {
    return String(code - 0x06f0);
  }
  return ch;
}

/** Folds text for search: see the module comment. */
export function foldForSearch(text: string): string {
  const stripped = text.normalize('NFKD').replace(MARKS, '').replace(DROP, '');
  let out = '';
  for (const ch of stripped) {
    out += MAP[ch] ?? digit(ch);
  }
  return out.toLowerCase();
}

/**
 * The folded words of a text: runs of letters and digits (what SQLite's unicode61 tokenizer also
 * calls tokens), so that "well-known" is the words "well" and "known" on both dialects.
 */
export function searchWords(text: string): string[] {
  return foldForSearch(text)
    .split(/[^\p{L}\p{N}]+/u)
    .filter(Boolean);
}

/** What messages store for search: their folded words, separated by single spaces. */
export function searchText(text: string): string {
  return searchWords(text).join(' ');
}
