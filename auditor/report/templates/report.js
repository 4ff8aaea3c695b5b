(function () {
  "use strict";
  var SEV = ["critical", "high", "medium", "low", "info"];
  var data = JSON.parse(document.getElementById("findings-data").textContent);
  var state = { sev: new Set(SEV), cat: "", rule: "", text: "", sort: "sev", dir: 1, limit: 200,
                showMuted: true, onlyNew: false };
  var tbody = document.getElementById("rows");
  var counter = document.getElementById("match-count");
  var more = document.getElementById("more");
  var filtered = [];

  function el(tag, text, cls) {
    var e = document.createElement(tag);
    if (text !== undefined && text !== null) { e.textContent = String(text); }
    if (cls) { e.className = cls; }
    return e;
  }
  function short(arn) { var i = arn.lastIndexOf("/"); return i >= 0 ? arn.slice(i + 1) : arn; }
  function haystack(f) {
    if (!f._h) { f._h = [f.rule, f.name, f.title, f.msg, f.arn, f.related.join(" "), f.cat].join(" ").toLowerCase(); }
    return f._h;
  }
  function matches(f) {
    if (!state.sev.has(f.sev)) { return false; }
    if (state.cat && f.cat !== state.cat) { return false; }
    if (state.rule && f.rule !== state.rule) { return false; }
    if (!state.showMuted && f.muted) { return false; }
    if (state.onlyNew && !f["new"]) { return false; }
    return !state.text || haystack(f).indexOf(state.text) >= 0;
  }
  var keys = {
    sev: function (f) { return SEV.indexOf(f.sev); },
    rule: function (f) { return f.rule; }, cat: function (f) { return f.cat; },
    res: function (f) { return short(f.arn); }, msg: function (f) { return f.msg; }
  };
  function compare(a, b) {
    var ka = keys[state.sort](a), kb = keys[state.sort](b);
    if (ka < kb) { return -state.dir; } if (ka > kb) { return state.dir; }
    return a.i - b.i;
  }
  function detail(f) {
    var tr = el("tr", null, "detail"), td = el("td");
    td.colSpan = 5;
    td.appendChild(el("p", f.title)).style.fontWeight = "bold";
    td.appendChild(el("p", f.msg));
    td.appendChild(el("div", "Resource: " + f.arn + " (" + f.type + ", " + f.region + ")", "muted-text"));
    if (f.related.length) { td.appendChild(el("div", "Related: " + f.related.join(", "), "muted-text")); }
    if (f.muted) { td.appendChild(el("div", "Muted: " + (f.why_muted || ""), "muted-text")); }
    td.appendChild(el("h4", "Evidence"));
    td.appendChild(el("pre", JSON.stringify(f.evidence, null, 2), "evidence"));
    if (f.all_actions) {  // the whole list behind the evidence's first 50, most dangerous first
      var more = el("details", null, "all-actions");
      more.appendChild(el("summary", "All " + f.all_actions.length + " actions, most dangerous first"));
      more.appendChild(el("pre", f.all_actions.join("\n")));
      td.appendChild(more);
    }
    td.appendChild(el("h4", "Remediation"));
    td.appendChild(el("p", f.fix));
    var refs = el("ul");
    f.refs.forEach(function (u) {
      var li = el("li"), a = el("a", u);
      if (/^https:\/\//.test(u)) { a.setAttribute("href", u); a.setAttribute("rel", "noreferrer"); }
      li.appendChild(a); refs.appendChild(li);
    });
    td.appendChild(refs);
    tr.appendChild(td);
    return tr;
  }
  function row(f) {
    var tr = el("tr", null, "finding" + (f.muted ? " muted" : ""));
    tr.setAttribute("data-fp", f.fp);
    var sev = el("td"); sev.appendChild(el("span", f.sev, "badge sev-" + f.sev));
    if (f["new"]) { sev.appendChild(el("span", "new", "badge new")); }
    tr.appendChild(sev);
    tr.appendChild(el("td", f.rule + " " + f.name));
    tr.appendChild(el("td", f.cat));
    tr.appendChild(el("td", short(f.arn)));
    tr.appendChild(el("td", f.msg));
    tr.addEventListener("click", function () {
      var next = tr.nextSibling;
      if (next && next.className === "detail") { next.remove(); } else { tr.after(detail(f)); }
    });
    return tr;
  }
  function render() {
    filtered = data.filter(matches).sort(compare);
    var frag = document.createDocumentFragment();
    filtered.slice(0, state.limit).forEach(function (f) { frag.appendChild(row(f)); });
    tbody.replaceChildren(frag);
    counter.textContent = filtered.length + " of " + data.length + " findings";
    more.hidden = filtered.length <= state.limit;
  }
  document.querySelectorAll("input.sev-filter").forEach(function (box) {
    box.addEventListener("change", function () {
      if (box.checked) { state.sev.add(box.value); } else { state.sev.delete(box.value); }
      state.limit = 200; render();
    });
  });
  document.getElementById("cat-filter").addEventListener("change", function (e) { state.cat = e.target.value; render(); });
  document.getElementById("rule-filter").addEventListener("change", function (e) { state.rule = e.target.value; render(); });
  document.getElementById("show-muted").addEventListener("change", function (e) { state.showMuted = e.target.checked; render(); });
  var onlyNew = document.getElementById("only-new");
  if (onlyNew) { onlyNew.addEventListener("change", function (e) { state.onlyNew = e.target.checked; render(); }); }
  var timer = null;
  document.getElementById("text-filter").addEventListener("input", function (e) {
    clearTimeout(timer);
    timer = setTimeout(function () { state.text = e.target.value.trim().toLowerCase(); state.limit = 200; render(); }, 120);
  });
  document.querySelectorAll("th.sortable").forEach(function (th) {
    th.addEventListener("click", function () {
      var k = th.getAttribute("data-key");
      state.dir = state.sort === k ? -state.dir : 1; state.sort = k; render();
    });
  });
  more.addEventListener("click", function () { state.limit += 500; render(); });
  render();
})();
