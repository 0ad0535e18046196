/* Rulebook's search worker: mkdocs-material's own worker (lunr, its result format and highlighting), given the page
   language's index and a query in which every word is required.
   - The page (theme/main.html) starts this worker instead of Material's, naming Material's worker file and the
     index of its language: ?material=search.HASH.min.js&index=../../search/zh-Hant.json
   - A query is cut into the index's own words (longest cover of the query by words the index holds, finest pieces
     first); words that only make it a question (the index file's `ignore`: 什麼, how, ...) are dropped, and every
     other word is required: 客戶投訴 finds clauses with both 客戶 and 投訴, not every 客戶… clause.
   - Only when no clause has every word does the query fall back to Material's any-word search.
   Material's own Chinese cutting of the query is turned off (the query arrives cut), and so are its language
   scripts: the index is cut at build time (jieba). See docs/developers/search.md. */
(function () {
  "use strict";

  var params = new URL(self.location.href).searchParams;
  var HAN = /\p{Script=Han}/u;
  var RUNS = /\p{Script=Han}+|[\p{L}\p{N}]+/gu;

  // Material's worker listens for messages; keep its listener to call it ourselves.
  var material = null;
  var listen = self.addEventListener;
  self.addEventListener = function (type, fn, options) {
    if (type === "message" && material === null) { material = fn; return; }
    return listen.call(self, type, fn, options);
  };
  importScripts("../javascripts/workers/" + params.get("material").replace(/[^\w.-]/g, ""));
  self.addEventListener = listen;

  // Material cuts Chinese queries by asking `word in index.invertedIndex`; our queries arrive cut, so it is told
  // that no Chinese word is there and leaves them whole. lunr itself reads the index by key, not with `in`.
  var build = self.lunr.Builder.prototype.build;
  self.lunr.Builder.prototype.build = function () {
    var index = build.call(this);
    var inverted = index.invertedIndex;
    index.invertedIndex = new Proxy(inverted, {
      has: function (target, key) { return typeof key === "string" && HAN.test(key) ? false : key in target; }
    });
    return index;
  };

  // Material's worker answers with postMessage: catch its answer to look at it before the page does.
  var post = self.postMessage.bind(self);
  var waiting = null;
  self.postMessage = function (message) {
    var resolve = waiting;
    waiting = null;
    if (resolve) resolve(message); else post(message);
  };
  function ask(message) {
    return new Promise(function (resolve) {
      waiting = resolve;
      material({ data: message });
    });
  }

  var words = new Set();   // the index's Chinese words (two characters or more)
  var ignore = new Set();  // words that only make a query a question
  var longest = 2;

  function learn(index) {
    var separator = new RegExp(index.config.separator, "g");
    (index.ignore || []).forEach(function (word) { ignore.add(word.toLowerCase()); });
    index.docs.forEach(function (doc) {
      ["title", "text", "words"].forEach(function (field) {
        (doc[field] || "").replace(/<[^>]+>/g, " ").split(separator).forEach(function (word) {
          if (word.length > 1 && HAN.test(word)) {
            words.add(word);
            if (word.length > longest) longest = word.length;
          }
        });
      });
    });
  }

  // The cut of a run of Chinese that covers most of it with known words; among those, the one with most pieces
  // (fine: the index holds every word's sub-words, so 工作+時間 match more ways of writing it) or fewest (coarse:
  // titles hold jieba's whole words, 工作時間).
  function cut(run, fine) {
    var best = [{ covered: 0, pieces: 0, from: -1 }];
    for (var end = 1; end <= run.length; end++) {
      var choice = { covered: best[end - 1].covered, pieces: best[end - 1].pieces, from: end - 1, skip: true };
      for (var start = Math.max(0, end - longest); start < end - 1; start++) {
        if (!words.has(run.slice(start, end))) continue;
        var covered = best[start].covered + end - start, pieces = best[start].pieces + 1;
        var better = fine ? pieces > choice.pieces : pieces < choice.pieces;
        if (covered > choice.covered || (covered === choice.covered && better))
          choice = { covered: covered, pieces: pieces, from: start, skip: false };
      }
      best.push(choice);
    }
    var out = [];
    for (var at = run.length; at > 0; at = best[at].from)
      if (!best[at].skip) out.unshift(run.slice(best[at].from, at));
    return out.filter(function (word) { return !ignore.has(word); });
  }

  // An English word as a prefix: plural and -ing/-ed endings off, so "expenses" finds "expense".
  function prefix(word) {
    var stem = word.replace(/(ies|es|s|ing|ed)$/, "");
    return (stem.length >= 3 ? stem : word) + "*";
  }

  // The words of a query: required (every one must be in a clause) and optional (whole words that rank a clause
  // whose title holds them first).
  function terms(query) {
    var required = [], optional = [];
    (query.toLowerCase().match(RUNS) || []).forEach(function (run) {
      if (ignore.has(run)) return;
      if (HAN.test(run)) {
        required.push.apply(required, cut(run, true));
        optional.push.apply(optional, cut(run, false));
      } else if (self.lunr.stopWordFilter(run)) {
        required.push(prefix(run));
      }
    });
    function unique(term, i, list) { return list.indexOf(term) === i; }
    required = required.filter(unique);
    return { required: required, optional: optional.filter(unique).filter(function (t) { return required.indexOf(t) < 0; }) };
  }

  async function answer(message) {
    if (message.type === 0) {  // set-up: the page's language index replaces the one Material was given
      var index = await (await fetch(params.get("index"))).json();
      learn(index);
      message.data.docs = index.docs;
      return ask(message);
    }
    if (message.type === 2) {  // a query
      var wanted = terms(message.data);
      if (!wanted.required.length) return ask(message);
      var strict = wanted.required.map(function (t) { return "+" + t; }).concat(wanted.optional).join(" ");
      var found = await ask({ type: 2, data: strict });
      if (found.data && found.data.items && found.data.items.length) return found;
      return ask({ type: 2, data: wanted.required.concat(wanted.optional).join(" ") });
    }
    return ask(message);
  }

  var queue = Promise.resolve();
  listen.call(self, "message", function (event) {
    queue = queue.then(function () { return answer(event.data); }).then(post, function (error) {
      console.warn(error);
      post({ type: 3, data: { items: [] } });
    });
  });
})();
