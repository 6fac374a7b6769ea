// Pagefind's own search (pagefind.js and its WebAssembly) run by Node over a bundle on disk:
//   node pagefind_search.mjs SITE BUNDLE[,MERGED...] QUERY[|FILTER=VALUE]...
// prints {query: [result paths in the site]} as JSON, and under "filters" the filter counts of all the
// merged bundles together (what the search page lists). fetch reads the files the browser would request.
import { readFile } from "node:fs/promises";
import { fileURLToPath, pathToFileURL } from "node:url";

const [site, bundles, ...queries] = process.argv.slice(2);
const [main, ...merged] = bundles.split(",");
const root = pathToFileURL(site + "/");
globalThis.fetch = async (url) => {
  const data = await readFile(fileURLToPath(new URL(url, root)));
  const bytes = data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength);
  return { ok: true, status: 200, arrayBuffer: async () => bytes, json: async () => JSON.parse(data.toString()) };
};
globalThis.window = globalThis;
globalThis.location = { href: root.href };
globalThis.document = { documentElement: { lang: "zh-CN" }, querySelector: () => null, currentScript: null };

const pagefind = await import(new URL(main + "/pagefind.js", root).href);
await pagefind.options({ basePath: new URL(main + "/", root).href, baseUrl: "/" });
for (const other of merged) {
  await pagefind.mergeIndex(new URL(other + "/", root).href, { baseUrl: "/" });
}
const found = {};
for (const query of queries) {
  const [term, filter] = query.split("|");
  const [key, value] = (filter || "").split("=");
  const search = await pagefind.search(term, filter ? { filters: { [key]: value } } : {});
  const data = await Promise.all(search.results.map((result) => result.data()));
  found[query] = data.map((item) => item.url.replace(/^.*?\/a\//, "a/"));
}
found.filters = await pagefind.filters();
console.log(JSON.stringify(found));
