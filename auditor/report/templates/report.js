(function () {
  "use strict";
  var SEV = ["critical", "high", "medium", "low", "info"];
  var data = JSON.parse(document.getElementById("findings-data").textContent);
  var state = { sev: new Set(SEV), cat: "", rule: "", text: "", sort: "sev", dir: 1, limit: 200,
                showMuted: true, onlyNew: false, open: "" };
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
  function haystack(f) {  // what the search looks into: the message, the resources and the evidence
    if (!f._h) {
      f._h = [f.rule, f.name, f.title, f.msg, f.arn, f.related.join(" "), f.cat,
              JSON.stringify(f.evidence), (f.all_actions || []).join(" ")].join(" ").toLowerCase();
    }
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
    if (f.links.length) {  // the same resources elsewhere in the report
      var see = el("div", "See: ", "links");
      f.links.forEach(function (l, i) {
        var a = el("a", l.label);
        a.setAttribute("href", l.href);
        if (i) { see.appendChild(document.createTextNode(" · ")); }
        see.appendChild(a);
      });
      td.appendChild(see);
    }
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
  function cell(text, label) { var td = el("td", text); td.setAttribute("data-label", label); return td; }
  function toggle(tr, f) {
    var next = tr.nextSibling;
    if (next && next.className === "detail") {
      next.remove(); tr.setAttribute("aria-expanded", "false");
      if (state.open === f.fp) { state.open = ""; saveHash(); }
    } else {
      tr.after(detail(f)); tr.setAttribute("aria-expanded", "true");
      state.open = f.fp; saveHash();
    }
  }
  function row(f) {
    var tr = el("tr", null, "finding" + (f.muted ? " muted" : ""));
    tr.setAttribute("data-fp", f.fp);
    tr.setAttribute("tabindex", "0");
    tr.setAttribute("aria-expanded", "false");
    var sev = el("td"); sev.setAttribute("data-label", "severity");
    sev.appendChild(el("span", f.sev, "badge sev-" + f.sev));
    if (f["new"]) { sev.appendChild(el("span", "new", "badge new")); }
    tr.appendChild(sev);
    tr.appendChild(cell(f.rule + " " + f.name, "rule"));
    tr.appendChild(cell(f.cat, "category"));
    tr.appendChild(cell(short(f.arn), "resource"));
    tr.appendChild(cell(f.msg, "finding"));
    tr.addEventListener("click", function (e) {
      if (e.target.closest("a")) { return; }
      toggle(tr, f);
    });
    tr.addEventListener("keydown", function (e) {
      if (e.key === "Enter" || e.key === " ") { e.preventDefault(); toggle(tr, f); }
      if (e.key === "ArrowDown" || e.key === "ArrowUp") {
        e.preventDefault();
        var rows = Array.prototype.slice.call(tbody.querySelectorAll("tr.finding"));
        var next = rows[rows.indexOf(tr) + (e.key === "ArrowDown" ? 1 : -1)];
        if (next) { next.focus(); }
      }
    });
    return tr;
  }
  // Filters and the open finding live in the URL hash (#findings?sev=critical&q=passrole&open=…),
  // so a link or a reload shows the same view, and the summary cards are plain links.
  function saveHash() {
    var q = new URLSearchParams();
    if (state.sev.size !== SEV.length) { q.set("sev", SEV.filter(function (s) { return state.sev.has(s); }).join(",")); }
    if (state.cat) { q.set("cat", state.cat); }
    if (state.rule) { q.set("rule", state.rule); }
    if (state.text) { q.set("q", state.text); }
    if (!state.showMuted) { q.set("muted", "hide"); }
    if (state.open) { q.set("open", state.open); }
    var text = q.toString();
    history.replaceState(null, "", text ? "#findings?" + text : "#findings");
  }
  function controls() {  // make the filter controls show the state
    document.querySelectorAll("input.sev-filter").forEach(function (b) { b.checked = state.sev.has(b.value); });
    document.getElementById("cat-filter").value = state.cat;
    document.getElementById("rule-filter").value = state.rule;
    document.getElementById("text-filter").value = state.text;
    document.getElementById("show-muted").checked = state.showMuted;
  }
  function applyHash() {
    var h = location.hash;
    if (h.indexOf("#findings?") !== 0) { return false; }
    var q = new URLSearchParams(h.slice("#findings?".length));
    var sev = (q.get("sev") || "").split(",").filter(function (s) { return SEV.indexOf(s) >= 0; });
    state.sev = new Set(sev.length ? sev : SEV);
    state.cat = q.get("cat") || ""; state.rule = q.get("rule") || "";
    state.text = (q.get("q") || "").toLowerCase(); state.showMuted = q.get("muted") !== "hide";
    state.open = q.get("open") || "";
    if (state.open) {  // an open finding is shown whatever the filters would hide
      var f = data.filter(function (x) { return x.fp === state.open; })[0];
      if (f) { state.sev.add(f.sev); state.showMuted = state.showMuted || f.muted; state.limit = data.length; }
    }
    controls(); render();
    var target = state.open && tbody.querySelector('tr.finding[data-fp="' + CSS.escape(state.open) + '"]');
    if (target) { target.after(detail(data.filter(function (x) { return x.fp === state.open; })[0]));
                  target.setAttribute("aria-expanded", "true"); target.focus(); target.scrollIntoView(); }
    else { document.getElementById("findings").scrollIntoView(); }
    return true;
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
      state.limit = 200; render(); saveHash();
    });
  });
  document.getElementById("cat-filter").addEventListener("change", function (e) { state.cat = e.target.value; render(); saveHash(); });
  document.getElementById("rule-filter").addEventListener("change", function (e) { state.rule = e.target.value; render(); saveHash(); });
  document.getElementById("show-muted").addEventListener("change", function (e) { state.showMuted = e.target.checked; render(); saveHash(); });
  var onlyNew = document.getElementById("only-new");
  if (onlyNew) { onlyNew.addEventListener("change", function (e) { state.onlyNew = e.target.checked; render(); }); }
  var timer = null;
  document.getElementById("text-filter").addEventListener("input", function (e) {
    clearTimeout(timer);
    timer = setTimeout(function () { state.text = e.target.value.trim().toLowerCase(); state.limit = 200; render(); saveHash(); }, 120);
  });
  document.querySelectorAll("th.sortable").forEach(function (th) {
    function sort() {
      var k = th.getAttribute("data-key");
      state.dir = state.sort === k ? -state.dir : 1; state.sort = k; render();
    }
    th.addEventListener("click", sort);
    th.addEventListener("keydown", function (e) { if (e.key === "Enter" || e.key === " ") { e.preventDefault(); sort(); } });
  });
  more.addEventListener("click", function () { state.limit += 500; render(); });
  window.addEventListener("hashchange", applyHash);
  if (!applyHash()) { render(); }
})();
