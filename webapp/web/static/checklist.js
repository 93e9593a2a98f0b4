// Autosave and live score for the self-assessment checklist (no inline scripts: CSP).
(function () {
  "use strict";
  var form = document.getElementById("checklist");
  if (!form || !form.dataset.autosave) { return; }
  var token = form.querySelector("input[name=csrf_token]").value;
  var versionField = form.querySelector("input[name=version]");
  var status = document.getElementById("autosave-status");
  var timer = null;

  function values() {
    var out = {};
    form.querySelectorAll("input[name], select[name]").forEach(function (el) {
      if (el.name !== "csrf_token" && el.name !== "version") { out[el.name] = el.value; }
    });
    return out;
  }

  function showProblems(problems) {
    form.querySelectorAll(".field").forEach(function (f) { f.classList.remove("invalid"); });
    form.querySelectorAll("span.error").forEach(function (e) { e.textContent = ""; });
    (problems || []).forEach(function (p) {
      var el = document.getElementById("e-" + p.field);
      if (el) { el.textContent = p.message; el.parentElement.classList.add("invalid"); }
    });
  }

  function showScore(data) {
    if (data.total === undefined) { return; }
    document.getElementById("live-total").textContent = data.total;
    document.getElementById("live-needed").textContent = data.points_needed;
    Object.keys(data.criteria || {}).forEach(function (n) {
      var el = form.querySelector(".points[data-criterion='" + n + "']");
      if (el) { el.textContent = data.criteria[n]; }
    });
    var verdict = document.getElementById("live-verdict");
    verdict.textContent = data.recognised ? verdict.dataset.ok
      : (data.complete ? verdict.dataset.fail : verdict.dataset.incomplete);
    verdict.className = data.recognised ? "ok" : "warn";
    var advice = document.getElementById("live-advice");
    advice.textContent = "";
    (data.advice || []).forEach(function (text) {
      var li = document.createElement("li"); li.textContent = text; advice.appendChild(li);
    });
  }

  function save() {
    status.textContent = "…";
    fetch(form.dataset.autosave, {
      method: "POST", credentials: "same-origin",
      headers: {"Content-Type": "application/json", "X-CSRFToken": token},
      body: JSON.stringify({values: values(), version: parseInt(versionField.value, 10)})
    }).then(function (r) { return r.json().then(function (d) { return {ok: r.ok, status: r.status, data: d}; }); })
      .then(function (res) {
        if (res.data.saved) {
          versionField.value = res.data.version;
          status.textContent = status.dataset.saved;
        } else if (res.data.message) {  // stale, storage, body or write limit: say why
          status.textContent = res.data.message;
        } else {
          status.textContent = status.dataset.invalid;
        }
        showProblems(res.data.problems);
        showScore(res.data);
      })
      .catch(function () { status.textContent = status.dataset.offline; });
  }

  form.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(save, 600); });
  form.addEventListener("change", function () { clearTimeout(timer); timer = setTimeout(save, 200); });
}());
