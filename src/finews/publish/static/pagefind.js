// The site's search engine, as Pagefind's interface loads it (bundlePath static/, so it imports this file
// in place of Pagefind's own pagefind.js): Pagefind's index, asked so that a query finds every article whose
// title or text holds it, and no other, as the archive search does.
//
// The index holds, for each article, the archive search's terms (finews/publish/search_records.py): its
// folded text cut into CJK bigrams (each run's first character before them and its last after), whole
// Latin tokens, and "_" where punctuation or space parts Latin from CJK. A query is folded and cut the same
// way here; each space-separated part becomes an exact phrase of those words ("特斯 斯拉": side by side),
// which Pagefind matches word for word, and the pages holding every part are the results. Each bundle's
// finews-fold.json says how its text was folded: unicode61's separators, and Traditional → Simplified for
// the characters it holds (a query in Traditional characters is folded character by character; OpenCC
// folded the text phrase by phrase, which differs only for a few characters with two readings).
// Result excerpts are the article's text as its words give it back (folded, without punctuation), escaped,
// the matches in <mark>. A match only in Pagefind's own words of the metadata (the title) is none.

const FOLD_FILE = "finews-fold.json";
const GAP = "_";
const WALL = "-"; // between the title's words and the text's
const QUERY_CHARS = 200; // what is read of a query, as the archive search reads it
const QUERY_PARTS = 8;
const EXCERPT = 120; // characters of text around the first match
const CJK_CLASS =
  "\u3005\u3007\u3041-\u3096\u309d-\u309f\u30a1-\u30fa\u30fc-\u30ff\u3400-\u4dbf\u4e00-\u9fff" +
  "\uac00-\ud7a3\uf900-\ufaff\u{20000}-\u{3134f}";
const CJK = new RegExp(`^[${CJK_CLASS}]`, "u");
const PIECES = new RegExp(`([${CJK_CLASS}]+)|([^${CJK_CLASS}]+)`, "gu");
const ASCII = /^[\x00-\x7f]*$/;

let engine = null; // Pagefind's own module
const folds = []; // each bundle's finews-fold.json, as it loads
let fold = null; // {separators: RegExp, trim: RegExp, t2s: Map}

async function loadFold(bundle) {
  try {
    const response = await fetch(new URL(FOLD_FILE, bundle).href);
    return response.ok ? await response.json() : null;
  } catch (error) {
    return null; // a bundle without one: its text folds as the others' did
  }
}

async function folding() {
  const loaded = (await Promise.all(folds)).filter(Boolean);
  if (fold && fold.count === loaded.length) {
    return fold;
  }
  const t2s = new Map();
  for (const one of loaded) {
    for (const [from, to] of Object.entries(one.t2s || {})) {
      t2s.set(from, to);
    }
  }
  const separators = (loaded[0] && loaded[0].separators) || "\\s\\p{P}\\p{S}";
  fold = {
    count: loaded.length,
    separators: new RegExp(`[${separators}]+`, "u"),
    trim: new RegExp(`^[${separators}]+|[${separators}]+$`, "gu"),
    t2s,
  };
  return fold;
}

// One character folded as the archive folds it: full width → ASCII, lower case, Traditional → Simplified;
// always one character for one, so a match in folded text marks the same span of the text.
function foldChar(char, t2s) {
  const code = char.codePointAt(0);
  if (code >= 0xff01 && code <= 0xff5e) {
    char = String.fromCodePoint(code - 0xfee0);
  } else if (code === 0x3000 || code === 0 || (code >= 0xd800 && code < 0xf900)) {
    return " "; // the ideographic space; private use (the archive's own gap) and lone surrogates
  } else if (code === 0x130) {
    return "i";
  }
  const lower = char.toLowerCase();
  if ([...lower].length === 1) {
    char = lower;
  }
  return t2s.get(char) || char;
}

function foldAll(text, t2s) {
  return Array.from(text, (char) => foldChar(char, t2s));
}

// The words of one part of a query, as the index has them for any text holding the part.
function phraseWords(part, separators) {
  const items = []; // {word} or {run: [characters]}
  let lastRun = 0;
  for (const chunk of part.split(separators)) {
    if (!chunk) {
      continue;
    }
    if (items.length && lastRun > 0 !== CJK.test(chunk)) {
      items.push({ word: GAP }); // Latin, then punctuation or space, then CJK (or back)
    }
    if (ASCII.test(chunk)) {
      items.push({ word: chunk });
      lastRun = 0;
      continue;
    }
    for (const [, run, other] of chunk.matchAll(PIECES)) {
      if (run) {
        items.push({ run: Array.from(run) });
        lastRun = items[items.length - 1].run.length;
      } else {
        const word = ASCII.test(other) ? other : other.normalize("NFD").replace(/\p{M}/gu, "");
        if (word) {
          items.push({ word });
          lastRun = 0;
        }
      }
    }
  }
  const words = [];
  items.forEach((item, i) => {
    if (item.word !== undefined) {
      words.push(item.word);
      return;
    }
    const run = item.run;
    const starts = i > 0; // something before it in the part: the text's run starts here too
    const ends = i < items.length - 1; // and after it: the text's run ends here too
    if (run.length === 1) {
      if (starts || ends) {
        words.push(run[0]);
      }
      return;
    }
    if (starts) {
      words.push(run[0]);
    }
    for (let k = 0; k + 1 < run.length; k++) {
      words.push(run[k] + run[k + 1]);
    }
    if (ends) {
      words.push(run[run.length - 1]);
    }
  });
  const lone = items.length === 1 && items[0].run && items[0].run.length === 1;
  return { words, lone };
}

// The query's phrases (each an exact Pagefind search), or why it asks for nothing.
export async function parse(term) {
  const { separators, trim, t2s } = await folding();
  const folded = foldAll(String(term || "").slice(0, QUERY_CHARS), t2s).join("");
  const parts = [...new Set(folded.split(/\s+/u).filter(Boolean))].slice(0, QUERY_PARTS);
  const phrases = [];
  let lone = false;
  for (const part of parts) {
    const cut = phraseWords(part, separators);
    lone = lone || cut.lone;
    if (cut.words.length) {
      phrases.push({ search: `"${cut.words.join(" ")}"`, text: part.replace(trim, "") });
    }
  }
  if (lone) {
    return { phrases: [], reason: "one CJK character is too short: type at least 2 characters" };
  }
  if (!phrases.length) {
    return { phrases: [], reason: "nothing to search for: the query has no letters, digits or CJK characters" };
  }
  return { phrases, reason: "" };
}

function escapeHtml(text) {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function escapeRegExp(text) {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

// A window of the text around the first match, escaped, each match of a phrase in <mark>.
export function excerpt(text, phrases, t2s) {
  const chars = Array.from(text);
  const folded = foldAll(text, t2s);
  const joined = folded.join("");
  const at = []; // UTF-16 offset in the folded text → character index
  folded.forEach((char, index) => {
    at.push(index);
    if (char.length === 2) {
      at.push(index);
    }
  });
  at.push(chars.length);
  const notCjk = `(?![${CJK_CLASS}])[\\p{L}\\p{N}]`;
  const patterns = phrases
    .map((p) => p.text)
    .filter(Boolean)
    .sort((a, b) => b.length - a.length)
    .map((p) => {
      const start = CJK.test(p) ? "" : `(?<!${notCjk})`;
      const end = CJK.test(Array.from(p).pop()) ? "" : `(?!${notCjk})`;
      return start + escapeRegExp(p) + end;
    });
  const spans = [];
  if (patterns.length) {
    for (const match of joined.matchAll(new RegExp(patterns.join("|"), "gu"))) {
      if (match[0]) {
        spans.push([at[match.index], at[match.index + match[0].length]]);
      }
    }
  }
  const first = spans.length ? spans[0][0] : 0;
  const start = Math.max(0, first - Math.floor(EXCERPT / 3));
  const end = Math.min(chars.length, start + EXCERPT);
  let out = start > 0 ? "…" : "";
  let position = start;
  for (const [from, to] of spans) {
    if (to <= position || from >= end) {
      continue;
    }
    const begin = Math.max(from, position);
    out += escapeHtml(chars.slice(position, begin).join(""));
    out += `<mark>${escapeHtml(chars.slice(begin, Math.min(to, end)).join(""))}</mark>`;
    position = Math.min(to, end);
  }
  out += escapeHtml(chars.slice(position, end).join(""));
  return out + (end < chars.length ? "…" : "");
}

// The article's text read back from its indexed words (folded, without punctuation): each CJK run's
// first character, then the second of each bigram; Latin words apart; the title's words left out.
export function textOf(content) {
  const words = String(content || "").split(/\s+/u);
  const wall = words.indexOf(WALL);
  let out = "";
  let afterBigram = false;
  let afterLatin = false;
  for (const raw of wall >= 0 ? words.slice(wall + 1) : words) {
    const word = raw.replace(/\.$/u, ""); // Pagefind ends each block of text with a full stop
    if (!word || word === WALL) {
      continue;
    }
    const chars = Array.from(word);
    if (word === GAP) {
      out += " ";
      afterBigram = afterLatin = false;
    } else if (CJK.test(word)) {
      if (chars.length === 2) {
        out += chars[1];
      } else if (!afterBigram) {
        out += word; // a run starts (or is this one character)
      }
      afterBigram = chars.length === 2;
      afterLatin = false;
    } else {
      out += (afterLatin ? " " : "") + word;
      afterBigram = false;
      afterLatin = true;
    }
  }
  return out.trim();
}

function readable(result, query, t2s) {
  let loaded = null;
  return {
    ...result,
    data: () => {
      loaded =
        loaded ||
        result.data().then((data) => {
          const text = textOf(data.content);
          const title = (data.meta && data.meta.title) || "";
          return {
            ...data,
            content: text,
            excerpt: excerpt(text || title, query.phrases, t2s),
            sub_results: [],
          };
        });
      return loaded;
    },
  };
}

function nothing() {
  return { results: [], unfilteredResultCount: 0, filters: {}, totalFilters: {}, timings: [] };
}

export async function options(settings = {}) {
  const { basePath, ...rest } = settings;
  if (!engine) {
    if (!basePath) {
      throw new Error("the search engine needs the index's basePath");
    }
    engine = await import(new URL("pagefind.js", basePath).href);
    folds.push(loadFold(basePath));
  }
  return engine.options(basePath ? { basePath, ...rest } : rest);
}

export async function mergeIndex(bundle, settings = {}) {
  folds.push(loadFold(bundle));
  return engine.mergeIndex(bundle, settings);
}

export async function init() {
  return engine.init();
}

export async function filters() {
  return engine.filters();
}

export async function preload(term, settings = {}) {
  const query = await parse(term);
  await Promise.all(query.phrases.map((p) => engine.preload(p.search, settings)));
}

export async function search(term, settings = {}) {
  const query = await parse(term);
  if (!query.phrases.length) {
    return { ...nothing(), reason: query.reason };
  }
  const found = await Promise.all(query.phrases.map((p) => engine.search(p.search, settings)));
  for (const one of found) {
    // Pagefind also matches the words of the title and text kept as metadata (its own words, not the
    // index's: iPad gives "pad"); such a match has no position in the indexed words, and is none
    one.results = one.results.filter((r) => r.words && r.words.length);
  }
  // the part found in the fewest pages: its order and filter counts (with one part, exact)
  const fewest = found.reduce((a, b) => (b.results.length < a.results.length ? b : a));
  let results = fewest.results;
  for (const other of found) {
    if (other !== fewest) {
      const ids = new Set(other.results.map((r) => r.id));
      results = results.filter((r) => ids.has(r.id));
    }
  }
  const { t2s } = await folding();
  return {
    ...fewest,
    results: results.map((r) => readable(r, query, t2s)),
    unfilteredResultCount: found.length > 1 ? results.length : fewest.unfilteredResultCount,
  };
}

let searchId = 0;

export async function debouncedSearch(term, settings = {}, wait = 300) {
  const id = ++searchId;
  await new Promise((resolve) => setTimeout(resolve, wait));
  return id === searchId ? search(term, settings) : null;
}

export async function destroy() {
  if (engine) {
    await engine.destroy();
  }
  engine = null;
  folds.length = 0;
  fold = null;
}
