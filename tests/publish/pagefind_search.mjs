// The search page's engine (the site's static/pagefind.js, over Pagefind's pagefind.js and its WebAssembly)
// run by Node over a built site on disk, as the search page runs it:
//   node pagefind_search.mjs SITE BUNDLE[,MERGED...] QUERY[|FILTER=VALUE]...
// prints {query: [result paths in the site]} as JSON, under "filters" the filter counts of all the merged
// bundles together (what the search page lists), and under "excerpts" each query's first excerpt.
// Queries may also come one per line on standard input (QUERY "-"). fetch reads the files the browser
// would request.
import { readFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { fileURLToPath, pathToFileURL } from "node:url";

const [site, bundles, ...args] = process.argv.slice(2);
const [main, ...merged] = bundles.split(",");
const root = pathToFileURL(site + "/");
globalThis.fetch = async (url) => {
  let data;
  try {
    data = await readFile(fileURLToPath(new URL(url, root)));
  } catch (error) {
    return { ok: false, status: 404, json: async () => null, arrayBuffer: async () => new ArrayBuffer(0) };
  }
  const bytes = data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength);
  return { ok: true, status: 200, arrayBuffer: async () => bytes, json: async () => JSON.parse(data.toString()) };
};
globalThis.window = globalThis;
globalThis.location = { href: root.href };
globalThis.document = { documentElement: { lang: "zh-CN" }, querySelector: () => null, currentScript: null };

let queries = args;
if (args.length === 1 && args[0] === "-") {
  const input = readFileSync(0, "utf8");
  queries = input.split("\n").filter((line) => line.length);
}
const engine = await import(new URL("static/pagefind.js", root).href);
await engine.options({ basePath: new URL(main + "/", root).href, baseUrl: "/" });
for (const other of merged) {
  await engine.mergeIndex(new URL(other + "/", root).href, { baseUrl: "/" });
}
const found = {};
const excerpts = {};
for (const query of queries) {
  const [term, filter] = query.split("|");
  const [key, value] = (filter || "").split("=");
  const search = await engine.search(term, filter ? { filters: { [key]: value } } : {});
  const data = await Promise.all(search.results.map((result) => result.data()));
  found[query] = data.map((item) => item.url.replace(/^.*?\/a\//, "a/"));
  if (data.length) {
    excerpts[query] = data[0].excerpt;
  }
}
found.filters = await engine.filters();
found.excerpts = excerpts;
console.log(JSON.stringify(found));
