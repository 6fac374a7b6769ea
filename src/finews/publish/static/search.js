// The search page: Pagefind's own interface over the index in /pagefind/, all from this site.
// Kept out of the page so the Content-Security-Policy can refuse every inline script.
// The interface loads its engine from bundlePath: static/pagefind.js, which asks Pagefind's index
// (basePath) so that a query finds what Ctrl+F would find in the articles.
"use strict";
window.addEventListener("DOMContentLoaded", function () {
  var element = document.getElementById("search");
  if (!element || typeof PagefindUI === "undefined") {
    return;
  }
  // Pagefind imports its script from bundlePath: a bare "pagefind/" would not resolve, a full URL does
  function absolute(path) {
    return new URL(path, document.baseURI).href;
  }
  // a large site's index is in shards (pagefind-2/, pagefind-3/ …) and the articles added since it was
  // made are in a small delta (pagefind-new/): merged here, one query searches them all
  var merge = (element.getAttribute("data-merge") || "").split(" ").filter(Boolean);
  var ui = new PagefindUI({
    element: "#search",
    bundlePath: absolute(element.getAttribute("data-engine") || "static/"),
    basePath: absolute(element.getAttribute("data-bundle") || "pagefind/"),
    mergeIndex: merge.map(function (path) {
      return { bundlePath: absolute(path) };
    }),
    showSubResults: false,
    showImages: false,
    resetStyles: false,
    autofocus: true,
  });
  // the search box in every page's header sends ?q=…
  var query = new URLSearchParams(window.location.search).get("q");
  if (query) {
    ui.triggerSearch(query);
  }
});
