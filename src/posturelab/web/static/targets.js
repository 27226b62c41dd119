// posturelab dashboard: targets and calibrations. The calibration chosen here applies to every job
// (run, compare, claims, targets); the targets table and the range-against-interval figure are
// drawn from GET /api/jobs/{id}/targets. Uses the helpers of app.js ($, el, api, post, state,
// setStatus, showProblems, fail) and charts.js (PostureCharts.fmt, svgEl, svgText).
"use strict";

(() => {
  const STATUS_COLOURS = { consistent: "#2e8b57", inconsistent: "#c2482b", "no value": "#888888" };
  const PUBLISHED = "#1f5fa8";
  let calibrations = [];
  let scenarioId = null;
  let targetsJob = null;

  const fmt = (v) => PostureCharts.fmt(v);
  const selected = () => calibrations.find((c) => c.id === $("calibration").value) || null;

  function published(row) {
    const unit = row.unit ? ` ${row.unit}` : "";
    if (row.published_is_range) return `[${fmt(row.published_low)}, ${fmt(row.published_high)}]${unit}`;
    return `${fmt(row.published)} ± ${fmt((row.published_high - row.published) / 2)}${unit}`;
  }

  function sourceCell(id, declared) {
    const src = (declared && declared.source) || { id };
    const label = [src.publisher, src.title, src.date].filter(Boolean).join(", ") || id;
    const node = src.url ? el("a", { href: src.url, target: "_blank", rel: "noopener noreferrer" }, label) : el("span", {}, label);
    return el("div", { class: "note source" }, "source: ", node, ` (${id})`);
  }

  function showTable(table, declared) {
    const rows = table.targets.map((r) => {
      const status = r.status + (r.direction ? ` (model ${r.direction})` : "");
      return el("tr", { "data-target": r.id, "data-status": r.status },
        el("td", {}, el("b", {}, r.id), el("div", { class: "note" }, r.statement)),
        el("td", {}, r.use),
        el("td", {}, r.quantity),
        el("td", {}, published(r), sourceCell(r.source, declared[r.id])),
        el("td", { class: "n" }, fmt(r.model_p50)),
        el("td", { class: "n" }, `[${fmt(r.model_p05)}, ${fmt(r.model_p95)}]`),
        el("td", { class: "n" }, r.implausibility === null ? "–" : r.implausibility.toFixed(2)),
        el("td", { class: `status status-${r.status.replace(" ", "-")}` }, status));
    });
    const heads = ["target", "use", "quantity", "published figure", "model median", "model 5–95%", "I", "status"];
    return el("table", { id: "targets-table" }, el("tr", {}, ...heads.map((h) => el("th", {}, h))), ...rows);
  }

  // One strip per target, each on its own scale (targets are in different units): the published
  // bracket (shaded, the figure as a line) against the model's 5–95% interval and median.
  function intervalFigure(rows) {
    const w = 640, left = 190, right = 20, strip = 34, top = 26;
    const h = top + strip * rows.length + 10;
    const svg = svgEl("svg", { class: "chart targets-figure", width: w, height: h, viewBox: `0 0 ${w} ${h}`, role: "img" });
    svgText(svg, 8, 16, "published bracket (shaded) against the model's 5–95% interval (bar) and median (circle)", { class: "title" });
    rows.forEach((r, i) => {
      const y = top + i * strip + strip / 2;
      const points = [r.published_low, r.published_high, r.model_p05, r.model_p95].filter((v) => v !== null && isFinite(v));
      let lo = Math.min(...points), hi = Math.max(...points);
      const pad = hi > lo ? 0.08 * (hi - lo) : Math.max(Math.abs(hi), 1) * 0.1;
      lo -= pad; hi += pad;
      const sx = (v) => left + ((v - lo) / (hi - lo)) * (w - left - right);
      const g = svgEl("g", { class: "target-strip", "data-target": r.id }, svg);
      svgText(g, 8, y + 4, r.id, { class: "label" });
      svgEl("line", { x1: left, x2: w - right, y1: y + 12, y2: y + 12, class: "grid" }, g);
      svgText(g, left, y + 11, fmt(lo + pad), { class: "tick", "text-anchor": "start" });
      svgText(g, w - right, y + 11, fmt(hi - pad), { class: "tick", "text-anchor": "end" });
      svgEl("rect", { class: "published", x: sx(r.published_low), y: y - 9, width: Math.max(1, sx(r.published_high) - sx(r.published_low)), height: 18, fill: PUBLISHED, "fill-opacity": 0.18 }, g);
      svgEl("line", { class: "figure", x1: sx(r.published), x2: sx(r.published), y1: y - 9, y2: y + 9, stroke: PUBLISHED }, g);
      const colour = STATUS_COLOURS[r.status] || "#888";
      if (r.model_p05 !== null && r.model_p95 !== null) {
        svgEl("line", { class: "model", x1: sx(r.model_p05), x2: sx(r.model_p95), y1: y, y2: y, stroke: colour, "stroke-width": 4 }, g);
        svgEl("circle", { class: "median", cx: sx(r.model_p50), cy: y, r: 4, fill: "#fff", stroke: colour, "stroke-width": 2 }, g);
      }
      const shown = r.implausibility === null ? "–" : r.implausibility.toFixed(2);
      svgText(g, 8, y + 15, `I = ${shown}`, { class: "tick", style: `fill: ${colour}` });
    });
    return svg;
  }

  async function runTargets() {
    showProblems("request-problems", []);
    const payload = Object.assign({}, state.ref, jobFields(), {
      kind: "targets",
      members: Number($("members").value),
      seed: Number($("seed").value),
    });
    setStatus("targets: queued", 0, 1);
    const job = await post("/api/jobs", payload);
    targetsJob = job.id;
    let status = job;
    while (status.status === "queued" || status.status === "running") {
      await new Promise((r) => setTimeout(r, 300));
      if (targetsJob !== job.id) return;
      status = await api(`/api/jobs/${job.id}`);
      setStatus(`targets: ${status.status} (${status.progress.done} of ${status.progress.total})`, status.progress.done, status.progress.total);
    }
    if (status.status === "failed") {
      setStatus(`targets failed: ${status.error}`);
      showProblems("request-problems", status.problems.filter((p) => p.message));
      return;
    }
    setStatus(`targets: done in ${status.elapsed_s} s`, 1, 1);
    const table = await api(`/api/jobs/${job.id}/targets`);
    const declared = Object.fromEntries(((state.detail && state.detail.targets) || []).map((t) => [t.id, t]));
    const used = table.calibration_used;
    const on = used ? `calibration ${used.id} (sha256 ${used.sha256.slice(0, 12)}…)` : "the prior";
    const inconsistent = table.targets.filter((r) => r.status === "inconsistent").length;
    $("targets-out").replaceChildren(
      el("h2", {}, `Targets: ${table.targets.length} on ${table.members} members, seed ${table.seed}, on ${on}`),
      el("p", { class: "note" }, `${inconsistent} inconsistent (implausibility I = |E[f] − z| / sqrt(V_obs + V_ens + V_md) above 3); `,
        el("a", { href: `/api/jobs/${job.id}/figures/target_intervals.svg`, target: "_blank" }, "figure as SVG")),
      showTable(table, declared),
      intervalFigure(table.targets),
    );
  }

  function describe() {
    const c = selected();
    $("calibration-note").textContent = c
      ? `runs, comparisons, claims and targets use calibration ${c.id}: ${c.nroy_members} NROY members, seed ${c.seed}, sha256 ${c.sha256.slice(0, 12)}…`
      : "runs on the prior (no calibration)";
  }

  async function refresh(keep) {
    calibrations = scenarioId ? await api(`/api/calibrations?scenario=${encodeURIComponent(scenarioId)}`) : [];
    const select = $("calibration");
    select.replaceChildren(el("option", { value: "" }, "prior (no calibration)"),
      ...calibrations.map((c) => el("option", { value: c.id }, `${c.id} (${c.nroy_members} NROY members)`)));
    if (keep && calibrations.some((c) => c.id === keep)) select.value = keep;
    describe();
  }

  async function uploadFile() {
    const file = $("calibration-upload").files[0];
    if (!file) return;
    let content;
    try {
      content = JSON.parse(await file.text());
    } catch (error) {
      throw new Error(`${file.name} is not JSON: ${error.message}`);
    }
    const entry = await post("/api/calibrations", { content });
    if (entry.scenario !== scenarioId) setStatus(`calibration ${entry.id} stored; it was made for scenario ${entry.scenario}`);
    await refresh(entry.id);
  }

  function jobFields() {
    const c = selected();
    return c ? { calibration: c.id } : {};
  }

  function scenarioChanged(detail) {
    scenarioId = detail.id;
    targetsJob = null;
    $("targets-out").replaceChildren();
    $("targets").disabled = !(detail.targets && detail.targets.length);
    refresh(null).catch(fail);
  }

  function setup() {
    $("calibration").addEventListener("change", describe);
    $("calibration-upload").addEventListener("change", () => uploadFile().catch(fail));
    $("targets").addEventListener("click", () => runTargets().catch(fail));
  }

  document.addEventListener("DOMContentLoaded", setup);
  window.PostureTargets = { jobFields, scenarioChanged, intervalFigure };
})();
