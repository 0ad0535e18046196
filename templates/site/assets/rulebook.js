/* Rulebook: small behaviours on top of mkdocs-material, all optional (every page reads fine without them).
   - a clause's link icon copies the clause's full address (Material's clipboard support shows "copied");
   - the language menu keeps the clause the reader is at, the one nearest the top of the screen (ids are the
     same in every language);
   - search results link to their clause (the index names it page/?clause=id);
   - [data-print] buttons print the page;
   - a returning reader sees the clauses changed since the version they last read. */
(function () {
  "use strict";

  function setUpClauseLinks() {
    // The page's own address: without the search highlight (?h=) or anything else a visit added.
    var page = location.origin + location.pathname;
    document.querySelectorAll("a.rb-anchor[data-clause]").forEach(function (a) {
      a.setAttribute("data-clipboard-text", page + "#" + a.getAttribute("data-clause"));
    });
  }

  // The clause the reader is at: the last clause that starts above the top quarter of the screen (below the header).
  function clauseAtTop() {
    var header = document.querySelector(".md-header");
    var top = (header ? header.getBoundingClientRect().bottom : 0) + window.innerHeight / 4;
    var found = null;
    document.querySelectorAll(".rb-clauses [id]").forEach(function (node) {
      if (node.getBoundingClientRect().top <= top) found = node.id;
    });
    return found;
  }

  function keepClauseOnLanguageSwitch(event) {
    var link = event.target.closest && event.target.closest("a.md-select__link[hreflang]");
    if (!link) return;
    var clause = clauseAtTop() || location.hash.slice(1);
    if (clause) link.href = link.href.split("#")[0] + "#" + clause;
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

  // 1.10.0 is later than 1.9.0.
  function laterVersion(a, b) {
    var x = a.split(".").map(Number), y = b.split(".").map(Number);
    for (var i = 0; i < 3; i++) if (x[i] !== y[i]) return x[i] > y[i];
    return false;
  }

  // A returning reader sees which clauses changed since the version they last read; the version is kept in this
  // browser only (localStorage), per policy.
  function markChangedSinceLastRead() {
    var policy = document.querySelector(".rb-policy[data-policy][data-version]");
    if (!policy) return;
    var key = "rulebook:read:" + policy.getAttribute("data-policy");
    var current = policy.getAttribute("data-version");
    var last = null;
    try { last = window.localStorage.getItem(key); } catch (e) { return; }
    if (last && laterVersion(current, last)) {
      var changed = Array.prototype.filter.call(policy.querySelectorAll("[data-changed]"), function (section) {
        return laterVersion(section.getAttribute("data-changed"), last);
      });
      changed.forEach(function (section) { section.classList.add("rb-clause--new-since"); });
      var notice = policy.querySelector(".rb-since");
      if (notice && changed.length) {
        notice.querySelector(".rb-since__text").textContent = notice.getAttribute("data-since")
          .replace("{version}", last).replace("{count}", String(changed.length));
        notice.hidden = false;
      }
    }
    try { window.localStorage.setItem(key, current); } catch (e) { /* private browsing: nothing remembered */ }
  }

  function setUp() {
    setUpClauseLinks();
    setUpSearchFilter();
    markChangedSinceLastRead();
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
