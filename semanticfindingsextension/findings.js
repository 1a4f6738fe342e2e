// The table is rendered (filtered and sorted) by the server; this script only
// sorts by a clicked column and filters the shown rows by text without a reload.
(function () {
  "use strict";
  var table = document.getElementById("findings");
  var body = table.tBodies[0];
  table.classList.add("sortable"); // headers sort here, without a reload
  var numeric = { level: 1, count: 1, first_seen: 1, last_seen: 1 };
  var descending = { count: 1, last_seen: 1 };
  var rows = function () { return Array.prototype.slice.call(body.rows).filter(function (r) { return r.cells.length > 1; }); };
  Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th, col) {
    th.querySelector("a").addEventListener("click", function (ev) {
      ev.preventDefault();
      var key = th.dataset.key, natural = descending[key] ? "descending" : "ascending";
      var next = th.getAttribute("aria-sort") !== natural ? natural : (natural === "ascending" ? "descending" : "ascending");
      var sign = next === "ascending" ? 1 : -1;
      var sorted = rows().sort(function (a, b) {
        var x = a.cells[col].dataset.v, y = b.cells[col].dataset.v;
        if (numeric[key]) { return sign * (Number(x) - Number(y)); }
        return sign * x.localeCompare(y);
      });
      sorted.forEach(function (r) { body.appendChild(r); });
      Array.prototype.forEach.call(table.tHead.rows[0].cells, function (c) { c.removeAttribute("aria-sort"); });
      th.setAttribute("aria-sort", next);
    });
  });
  ["service", "level"].forEach(function (id) {
    document.getElementById(id).addEventListener("change", function () { document.getElementById("filter").submit(); });
  });
  var text = document.getElementById("text");
  text.addEventListener("input", function () {
    var needle = text.value.toLowerCase(), shown = 0;
    rows().forEach(function (r) {
      var hit = r.textContent.toLowerCase().indexOf(needle) >= 0;
      r.hidden = !hit;
      if (hit) { shown++; }
    });
    document.getElementById("shown").textContent = shown;
  });
})();
