/* Rulebook: small behaviours on top of mkdocs-material, all optional (every page reads fine without them).
   - a clause's link icon copies the clause's full address (Material's clipboard support shows "copied");
   - the language menu keeps the clause the reader is at (#clause-id exists in every language);
   - search shows results in the page's language first: the index holds all three languages;
   - [data-print] buttons print the page. */
(function () {
  "use strict";

  // The handbook's languages and their folders, from the language registry (written into every page by the theme).
  var SETTINGS = (function () {
    var node = document.getElementById("rulebook-settings");
    try { return JSON.parse(node.textContent); } catch (e) { return { languages: {}, default: document.documentElement.lang }; }
  })();

  function siteRoot() {
    // Material sets __md_scope to the site root; fall back to the page's folder.
    return typeof __md_scope !== "undefined" ? __md_scope : new URL(".", location.href);
  }

  function languageOf(href) {
    var path = new URL(href, location.href).pathname;
    var root = siteRoot().pathname;
    var rest = path.indexOf(root) === 0 ? path.slice(root.length) : path.replace(/^\//, "");
    var codes = Object.keys(SETTINGS.languages);
    for (var i = 0; i < codes.length; i++) {
      var folder = SETTINGS.languages[codes[i]];
      if (folder && (rest + "/").indexOf(folder) === 0) return codes[i];
    }
    return SETTINGS.default;
  }

  function setUpClauseLinks() {
    var page = location.href.split("#")[0];
    document.querySelectorAll("a.rb-anchor[data-clause]").forEach(function (a) {
      a.setAttribute("data-clipboard-text", page + "#" + a.getAttribute("data-clause"));
    });
  }

  function keepClauseOnLanguageSwitch(event) {
    var link = event.target.closest && event.target.closest("a.md-select__link[hreflang]");
    if (link && location.hash) link.href = link.href.split("#")[0] + location.hash;
  }

  function filterResults(list) {
    var current = document.documentElement.lang;
    var items = Array.prototype.slice.call(list.querySelectorAll(".md-search-result__item"));
    var mine = items.filter(function (item) {
      var link = item.querySelector("a[href]");
      return link && languageOf(link.href) === current;
    });
    items.forEach(function (item) { item.hidden = mine.length > 0 && mine.indexOf(item) < 0; });
    var meta = document.querySelector(".md-search-result__meta");
    if (meta && mine.length) meta.textContent = meta.textContent.replace(/\d+/, String(mine.length));
  }

  function setUpSearchFilter() {
    var list = document.querySelector(".md-search-result__list");
    if (!list || list.dataset.rbFiltered) return;
    list.dataset.rbFiltered = "yes";
    new MutationObserver(function () { filterResults(list); }).observe(list, { childList: true });
    // Material rewrites the result count for every answer of the search worker: the results region then says which
    // query the list shown answers (for assistive technology's busy state, and for the tests that wait for it).
    var meta = document.querySelector(".md-search-result__meta");
    var input = document.querySelector("input.md-search__input");
    var region = document.querySelector(".md-search-result");
    if (meta && input && region) {
      new MutationObserver(function () { region.dataset.rbQuery = input.value; }).observe(meta, { childList: true });
    }
  }

  function setUp() {
    setUpClauseLinks();
    setUpSearchFilter();
  }

  document.addEventListener("click", function (event) {
    keepClauseOnLanguageSwitch(event);
    var printer = event.target.closest && event.target.closest("[data-print]");
    if (printer) window.print();
  }, true);

  if (typeof document$ !== "undefined") document$.subscribe(setUp);
  else document.addEventListener("DOMContentLoaded", setUp);
})();
