/* kb site search: MiniSearch over the index kb built (search-index.js sets window.KB_SEARCH).
   Results are made with textContent only: no text from the index is ever parsed as HTML. */
(function () {
  "use strict";
  var tokenize = function (text) {
    return text.normalize("NFKD").replace(/\p{M}+/gu, "").split(/[^\p{L}\p{N}]+/u).filter(function (t) { return t; });
  };
  var options = {
    fields: ["title", "text"],
    storeFields: ["title", "kind", "url", "sub"],
    tokenize: tokenize,
    searchOptions: { boost: { title: 2 }, prefix: true, fuzzy: 0.2, combineWith: "AND" }
  };
  var status = document.getElementById("search-status");
  var list = document.getElementById("results");
  var input = document.getElementById("q");
  if (!window.KB_SEARCH || !window.MiniSearch) {
    status.textContent = "The search index did not load.";
    return;
  }
  var index = MiniSearch.loadJS(window.KB_SEARCH, options);
  function show(query) {
    while (list.firstChild) list.removeChild(list.firstChild);
    if (!query.trim()) { status.textContent = ""; return; }
    var hits = index.search(query).slice(0, 100);
    status.textContent = hits.length ? hits.length + (hits.length === 100 ? "+" : "") + " result(s)" : "No matches.";
    hits.forEach(function (hit) {
      var li = document.createElement("li");
      li.className = "hit " + hit.kind;
      var kind = document.createElement("span");
      kind.className = "kind";
      kind.textContent = hit.kind;
      var a = document.createElement("a");
      a.href = hit.url;
      a.textContent = hit.title;
      li.appendChild(kind);
      li.appendChild(document.createTextNode(" "));
      li.appendChild(a);
      if (hit.sub) {
        var sub = document.createElement("div");
        sub.className = "sub";
        sub.textContent = hit.sub;
        li.appendChild(sub);
      }
      list.appendChild(li);
    });
  }
  var query = new URLSearchParams(window.location.search).get("q") || "";
  input.value = query;
  show(query);
  input.addEventListener("input", function () { show(input.value); });
})();
