// The jurisdiction chooser on the account forms: lists the units whose name answers what is typed
// (marks optional) while typing, from /admin/units, as the same radio choices the «Tìm đơn vị» button
// lists without this script. Only names are shown; the unit chosen is kept while it still matches.
(function () {
  "use strict";

  function render(box, data, chosen) {
    box.textContent = "";
    if (data.hint) {
      var hint = document.createElement("p");
      hint.className = "muted";
      hint.textContent = data.hint;
      box.appendChild(hint);
    }
    data.groups.forEach(function (group) {
      var set = document.createElement("fieldset");
      set.className = "scope-group";
      var legend = document.createElement("legend");
      legend.textContent = group.heading;
      set.appendChild(legend);
      group.units.forEach(function (unit) {
        var label = document.createElement("label");
        label.className = "choice";
        var input = document.createElement("input");
        input.type = "radio";
        input.name = "scope_unit_id";
        input.value = unit.id;
        input.checked = unit.id === chosen;
        label.appendChild(input);
        label.appendChild(document.createTextNode(" " + unit.name));
        set.appendChild(label);
      });
      box.appendChild(set);
    });
  }

  function setUp(chooser) {
    var form = chooser.closest("form");
    var field = chooser.querySelector("input[name=scope_q]");
    var box = chooser.querySelector(".scope-results");
    var role = form.querySelector("select[name=role]");
    var timer = null;
    var asked = 0;

    function chosen() {
      var checked = box.querySelector("input[name=scope_unit_id]:checked");
      return checked ? checked.value : null;
    }

    function look() {
      var query = field.value.trim();
      if (!query) {
        return;
      }
      var ask = ++asked;
      var url = chooser.getAttribute("data-scope-search") + "?q=" + encodeURIComponent(query) +
        "&role=" + encodeURIComponent(role ? role.value : "");
      fetch(url, {credentials: "same-origin", headers: {"Accept": "application/json"}})
        .then(function (response) { return response.ok ? response.json() : null; })
        .then(function (data) {
          if (data && ask === asked) {
            render(box, data, chosen());
          }
        })
        .catch(function () { /* no network: the «Tìm đơn vị» button still asks the server */ });
    }

    function soon() {
      clearTimeout(timer);
      timer = setTimeout(look, 250);
    }

    field.addEventListener("input", soon);
    if (role) {
      role.addEventListener("change", look);
    }
    field.addEventListener("keydown", function (event) {
      if (event.key === "Enter") {  // Enter in the search field searches; it does not send the form
        event.preventDefault();
        look();
      }
    });
    var button = chooser.querySelector("button[name=find]");
    button.addEventListener("click", function (event) {
      event.preventDefault();
      look();
    });
  }

  document.querySelectorAll("[data-scope-search]").forEach(setUp);
})();
