"use strict";
// The report's lists, a page at a time. Every text from the pages goes in
// with textContent, never as HTML.
(function () {
  var PAGE = 50;

  function data(id) { return JSON.parse(document.getElementById(id).textContent); }
  function cell(row, text, className) {
    var td = document.createElement("td");
    td.textContent = text === null || text === undefined ? "" : String(text);
    if (className) { td.className = className; }
    row.appendChild(td);
    return td;
  }
  function number(n) { return Number(n).toLocaleString("en"); }

  // A list with a search box (and more filters), shown PAGE rows at a time.
  function pager(options) {
    var state = { page: 0, shown: options.rows };
    var prev = document.getElementById(options.prefix + "-prev");
    var next = document.getElementById(options.prefix + "-next");
    var count = document.getElementById(options.prefix + "-count");
    var body = document.querySelector("#" + options.prefix + "-table tbody");
    function draw() {
      var pages = Math.max(1, Math.ceil(state.shown.length / PAGE));
      state.page = Math.min(state.page, pages - 1);
      body.textContent = "";
      var first = state.page * PAGE;
      state.shown.slice(first, first + PAGE).forEach(function (row) { options.draw(body, row); });
      count.textContent = state.shown.length ? (number(first + 1) + "–" + number(Math.min(first + PAGE, state.shown.length)) +
        " of " + number(state.shown.length) + (state.shown.length < options.rows.length ? " (of " + number(options.rows.length) + ")" : "")) : "none";
      prev.disabled = state.page === 0;
      next.disabled = state.page >= pages - 1;
    }
    var asked = "";
    function filter() {  // (on every keystroke, and when a select changes: only if what is asked changed)
      var now = options.inputs.map(function (input) { return input.value; }).join("\u0000");
      if (now === asked) { return; }
      asked = now;
      state.shown = options.rows.filter(options.keep);
      state.page = 0;
      draw();
    }
    prev.addEventListener("click", function () { state.page -= 1; draw(); });
    next.addEventListener("click", function () { state.page += 1; draw(); });
    options.inputs.forEach(function (input) {
      input.addEventListener("input", filter);
      input.addEventListener("change", filter);
    });
    draw();
  }

  // Clusters: a row each; a click opens the kept text beside each member.
  var clusters = data("cluster-data");
  var clusterSearch = document.getElementById("cluster-search");
  clusters.forEach(function (c) {
    c.words = (c.c + " " + c.k + " " + c.t + " " + c.m.map(function (m) { return m.i; }).join(" ")).toLowerCase();
  });
  function openCluster(tr, c) {
    var open = tr.nextSibling && tr.nextSibling.className === "detail";
    if (open) { tr.parentNode.removeChild(tr.nextSibling); tr.className = "cluster"; return; }
    tr.className = "cluster open";
    var detail = document.createElement("tr");
    detail.className = "detail";
    var td = document.createElement("td");
    td.colSpan = 4;
    c.m.forEach(function (m) {
      var pair = document.createElement("div");
      pair.className = "pair";
      var h = document.createElement("h4");
      h.textContent = m.i + ": similarity " + Number(m.s).toFixed(2) +
        (m.ci ? ", contained in " + m.ci + " (" + Number(m.cv).toFixed(2) + ")" : "");
      pair.appendChild(h);
      if (m.w) {
        var p = document.createElement("p");
        p.className = "note";
        p.textContent = m.w === "budget" ? "(not kept in this report, to keep it small: cleaner dups REPORT --cluster " +
          c.c + " shows it)" : m.w;
        pair.appendChild(p);
      } else {
        var table = document.createElement("table");
        var head = document.createElement("tr");
        var left = document.createElement("th"); left.className = "kept"; left.textContent = c.k + " (kept)";
        var right = document.createElement("th"); right.textContent = m.i;
        head.appendChild(left); head.appendChild(right); table.appendChild(head);
        m.r.forEach(function (r) {
          var row = document.createElement("tr");
          if (r[0] === "=") {  // shared: [text] or [start, end, characters left out]
            var shared = r.length > 2 ? r[1] + " … [" + number(r[3]) + " characters the same] … " + r[2] : r[1];
            cell(row, shared, "equal"); cell(row, shared, "equal");
          } else if (r[0] === "cut") {
            cell(row, "… more differs: cleaner dups REPORT --cluster " + c.c + " shows it all", "");
            cell(row, "", "");
          } else {
            cell(row, r[1], r[1] ? "differs" : ""); cell(row, r[2], r[2] ? "differs" : "");
          }
          table.appendChild(row);
        });
        pair.appendChild(table);
      }
      td.appendChild(pair);
    });
    detail.appendChild(td);
    tr.parentNode.insertBefore(detail, tr.nextSibling);
  }
  pager({
    prefix: "cluster", rows: clusters, inputs: [clusterSearch],
    keep: function (c) {
      var words = clusterSearch.value.toLowerCase().trim().split(/\s+/).filter(Boolean);
      return words.every(function (w) { return c.words.indexOf(w) >= 0; });
    },
    draw: function (body, c) {
      var tr = document.createElement("tr");
      tr.className = "cluster";
      tr.setAttribute("data-cluster", c.c);
      cell(tr, c.c); cell(tr, c.k); cell(tr, c.t); cell(tr, number(c.n), "n");
      tr.addEventListener("click", function () { openCluster(tr, c); });
      body.appendChild(tr);
    }
  });

  // Documents not written, filtered by reason and words.
  var failures = data("failure-data");
  var reason = document.getElementById("failure-reason");
  var failureSearch = document.getElementById("failure-search");
  pager({
    prefix: "failure", rows: failures, inputs: [reason, failureSearch],
    keep: function (f) {
      if (reason.value && String(f.reason) !== reason.value) { return false; }
      var words = failureSearch.value.toLowerCase().trim();
      return !words || (f.id + " " + f.source + " " + f.message).toLowerCase().indexOf(words) >= 0;
    },
    draw: function (body, f) {
      var tr = document.createElement("tr");
      cell(tr, f.id); cell(tr, f.source); cell(tr, f.status); cell(tr, f.reason); cell(tr, f.message);
      body.appendChild(tr);
    }
  });
  document.body.setAttribute("data-ready", String(Math.round(performance.now())));
})();
