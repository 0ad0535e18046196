/* Rulebook: small behaviours on top of mkdocs-material, all optional (every page reads fine without them).
   - a clause's link icon copies the clause's full address (Material's clipboard support shows "copied");
   - the language menu keeps the clause the reader is at (#clause-id exists in every language);
   - search shows results in the page's language first: the index holds all three languages;
   - [data-print] buttons print the page;
   - a returning reader sees the clauses changed since the version they last read. */
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

  document.addEventListener("click", function (event) {
    keepClauseOnLanguageSwitch(event);
    var printer = event.target.closest && event.target.closest("[data-print]");
    if (printer) window.print();
  }, true);

  if (typeof document$ !== "undefined") document$.subscribe(setUp);
  else document.addEventListener("DOMContentLoaded", setUp);
})();
