/* Rulebook: small behaviours on top of mkdocs-material, all optional (every page reads fine without them).
   - a clause's link icon copies the clause's full address (Material's clipboard support shows "copied");
   - the language menu keeps the clause the reader is at (#clause-id exists in every language);
   - search results link to their clause (the index names it page/?clause=id);
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

  // The search index names each clause as page/?clause=id (so that Material shows every clause as a result of its
  // own); a result links to page/#id, with Material's ?h= for highlighting the words found.
  function linkResults(list) {
    list.querySelectorAll("a.md-search-result__link[href*='clause=']").forEach(function (a) {
      var url = new URL(a.href);
      var clause = url.searchParams.get("clause");
      url.searchParams.delete("clause");
      url.hash = clause;
      a.href = url.href;
    });
  }

  function setUpSearchFilter() {
    var list = document.querySelector(".md-search-result__list");
    if (!list || list.dataset.rbFiltered) return;
    list.dataset.rbFiltered = "yes";
    new MutationObserver(function () { linkResults(list); }).observe(list, { childList: true });
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

  // The role finder on the home page goes straight to the chosen role's page.
  document.addEventListener("submit", function (event) {
    var form = event.target.closest && event.target.closest("form[data-role-finder]");
    if (!form) return;
    event.preventDefault();
    location.href = new URL(form.elements.role.value, location.href).href;
  });

  document.addEventListener("click", function (event) {
    keepClauseOnLanguageSwitch(event);
    var printer = event.target.closest && event.target.closest("[data-print]");
    if (printer) window.print();
  }, true);

  if (typeof document$ !== "undefined") document$.subscribe(setUp);
  else document.addEventListener("DOMContentLoaded", setUp);
})();
