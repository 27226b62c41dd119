// posturelab dashboard: the claim audit. After a claims job, GET /api/jobs/{id}/audit gives each
// claim with its maker and source, verdict, effect, mechanisms and verdict per structural form; this
// draws one block per claim that reads on its own, with the mechanism waterfall as SVG, and a
// "print / save" button (the print stylesheet keeps only the audit). Uses the helpers of app.js
// ($, el, api, state) and charts.js (PostureCharts.fmt, svgEl, svgText).
"use strict";

(() => {
  const LABELS = {
    supported: "supported",
    contradicted: "contradicted",
    no_material_effect: "no material effect",
    depends: "depends",
    untestable: "untestable",
  };
  const fmt = (v) => PostureCharts.fmt(v);
  const signed = (v) => (v === null || v === undefined || !isFinite(v) ? "–" : (v > 0 ? "+" : "") + fmt(v));
  const percent = (v, digits = 1) =>
    v === null || v === undefined || !isFinite(v) ? "–" : `${v > 0 ? "+" : ""}${(100 * v).toFixed(digits)}%`;
  const sentence = (text) => (text ? text[0].toUpperCase() + text.slice(1) + (text.endsWith(".") ? "" : ".") : "");
  const settings = (levers) => Object.entries(levers || {}).map(([k, v]) => `${k} = ${v}`).join(", ");

  function jobFields() {
    return { mechanisms: $("split-mechanisms").checked };
  }

  function verdictBadge(verdict) {
    return el("span", { class: `verdict-badge verdict-${verdict}`, "data-verdict": verdict }, LABELS[verdict] || verdict);
  }

  function source(c) {
    const src = c.source;
    if (!src) return el("p", { class: "who" }, el("b", {}, "Made by "), c.by || "–", " (source not in the scenario's list)");
    const label = [src.publisher, src.title].filter(Boolean).join(", ") || src.id;
    const cite = src.url ? el("a", { href: src.url, target: "_blank", rel: "noopener noreferrer" }, label) : el("i", {}, label);
    return el("p", { class: "who" }, el("b", {}, "Made by "), c.by || "–", "; ", el("b", {}, "source: "), cite,
      src.date ? ` (${src.date})` : "", el("span", { class: "note" }, ` [${src.id}]`));
  }

  function effectTable(c) {
    const unit = c.unit ? ` ${c.unit}` : "";
    const base = c.base_mean;
    const relative = (v) => (base ? percent(v / Math.abs(base)) : "–");
    const rows = [
      ["mean effect (treatment − base)", `${signed(c.effect_mean)}${unit}`],
      ["relative to the base mean", `${percent(c.relative_effect)} (base mean ${fmt(base)}${unit})`],
      ["median per member", `${signed(c.effect_p50)}${unit}`],
      ["90% interval over members (5–95%)", `[${signed(c.effect_p05)}, ${signed(c.effect_p95)}]${unit}; relative [${relative(c.effect_p05)}, ${relative(c.effect_p95)}]`],
      ["materiality", `${c.material || "–"} (band ±${fmt(c.material_band)}${unit})`],
      ["members where the claim holds", c.share_holds === null ? "–" : `${(100 * c.share_holds).toFixed(0)}% of ${c.n}`],
    ];
    return el("table", { class: "audit-effect" }, ...rows.map(([k, v]) => el("tr", {}, el("th", {}, k), el("td", { class: "n" }, v))));
  }

  // Bars from 0: each active channel's mean effect starts where the previous one ended; the last
  // bar is the total. Each bar is labelled with its effect and its share of the total.
  function waterfall(c) {
    const rows = (c.mechanisms || []).filter((m) => m.active);
    const total = c.effect_mean || 0;
    const w = 680, left = 110, right = 150, bar = 22, gap = 8, top = 28;
    const h = top + (rows.length + 1) * (bar + gap) + 22;
    let cum = 0;
    const spans = rows.map((m) => {
      const from = cum;
      cum += m.effect_mean;
      return { m, from, to: cum };
    });
    const points = [0, total, ...spans.flatMap((s) => [s.from, s.to])];
    let lo = Math.min(...points), hi = Math.max(...points);
    if (!(hi > lo)) { lo -= 1; hi += 1; }
    const sx = (v) => left + ((v - lo) / (hi - lo)) * (w - left - right);
    const svg = svgEl("svg", { class: "chart waterfall", width: w, height: h, viewBox: `0 0 ${w} ${h}`, role: "img", "aria-label": `${c.id}: effect by mechanism` });
    svgText(svg, 8, 16, `mean effect by mechanism channel, cumulated to the total (${signed(total)}${c.unit ? " " + c.unit : ""})`, { class: "title" });
    svgEl("line", { class: "zero", x1: sx(0), x2: sx(0), y1: top - 4, y2: h - 18 }, svg);
    const drawBar = (label, from, to, y, cls, share, attrs) => {
      const x = Math.min(sx(from), sx(to));
      const width = Math.max(Math.abs(sx(to) - sx(from)), 1);
      const rect = svgEl("rect", Object.assign({ class: cls, x, y, width, height: bar }, attrs), svg);
      const tip = svgEl("title", {}, rect);
      tip.textContent = `${label}: ${signed(to - from)}`;
      svgText(svg, left - 6, y + bar / 2 + 4, label, { "text-anchor": "end", class: "label" });
      const shareText = share === null || share === undefined ? "" : ` (${(100 * share).toFixed(0)}%)`;
      svgText(svg, Math.max(sx(from), sx(to)) + 5, y + bar / 2 + 4, `${signed(to - from)}${shareText}`, { class: "value" });
    };
    spans.forEach((s, i) => {
      const y = top + i * (bar + gap);
      const cls = `wf-bar ${s.m.effect_mean >= 0 ? "up" : "down"}`;
      drawBar(s.m.channel, s.from, s.to, y, cls, total ? s.m.share : null, { "data-channel": s.m.channel });
      svgEl("line", { class: "link", x1: sx(s.to), x2: sx(s.to), y1: y + bar, y2: y + bar + gap }, svg);
    });
    drawBar("total", 0, total, top + rows.length * (bar + gap), "wf-total", total ? 1 : null, {});
    const axis = [lo, 0, hi].filter((v, i, a) => a.indexOf(v) === i);
    for (const v of axis) svgText(svg, sx(v), h - 4, fmt(v), { "text-anchor": "middle", class: "tick" });
    return svg;
  }

  function mechanisms(c) {
    if (!c.mechanisms) return [];
    const quiet = c.mechanisms.filter((m) => !m.active).map((m) => m.channel);
    const described = c.mechanisms.filter((m) => m.active).map((m) =>
      el("li", {}, el("b", {}, m.channel), `: ${m.description} — mean ${signed(m.effect_mean)}, members 5–95% [${signed(m.effect_p05)}, ${signed(m.effect_p95)}]`));
    return [
      el("h4", {}, "Effect by mechanism"),
      waterfall(c),
      el("ul", { class: "note channels" }, ...described),
      el("p", { class: "note" }, `${quiet.length ? `No change in: ${quiet.join(", ")}. ` : ""}${sentence(c.mechanisms_note)}`),
    ];
  }

  function conditions(c) {
    const box = c.conditions;
    if (!box) return [];
    const where = box.target === "holds" ? "it holds" : "the effect is largest";
    const rows = box.limits.map((l) => el("tr", {}, el("td", {}, l.parameter), el("td", { class: "n" }, fmt(l.lower)), el("td", { class: "n" }, fmt(l.upper))));
    return [
      el("h4", {}, `Where ${where} (PRIM box)`),
      el("p", { class: "note" }, `coverage ${(100 * box.coverage).toFixed(0)}%, density ${(100 * box.density).toFixed(0)}% of the members inside the box`),
      el("table", { class: "audit-box" }, el("tr", {}, el("th", {}, "parameter"), el("th", {}, "lower"), el("th", {}, "upper")), ...rows),
    ];
  }

  function structure(c) {
    if (!c.structure.length) return [el("p", { class: "note" }, "The scenario declares no alternative forms: the verdict rests on one model structure.")];
    const lines = c.structure.map((f) =>
      el("li", { "data-relation": f.relation, "data-form": f.form },
        `${f.relation} = ${f.form} (weight ${fmt(f.weight)}, ${f.members} members): `, verdictBadge(f.verdict),
        f.effect_mean === null || f.effect_mean === undefined ? ` ${f.reason}` : ` mean ${signed(f.effect_mean)}, 5–95% [${signed(f.effect_p05)}, ${signed(f.effect_p95)}]`));
    const verdicts = new Set(c.structure.map((f) => f.verdict));
    const says = verdicts.size > 1 ? "The verdict changes with the model's structure." : "The verdict is the same under every form.";
    return [el("h4", {}, "Dependence on model structure"), el("ul", { class: "audit-forms" }, ...lines), el("p", { class: "note" }, says)];
  }

  function claimBlock(c) {
    const horizon = c.horizon ? ` by ${c.horizon}` : "";
    return el("article", { class: "audit-claim", "data-claim": c.id, "data-verdict": c.verdict },
      el("h3", {}, `${c.id} `, verdictBadge(c.verdict)),
      el("blockquote", {}, c.statement),
      source(c),
      el("p", { class: "note" }, `Claimed: ${c.direction} in ${c.indicator}${horizon}. Base: ${settings(c.base) || "the scenario's defaults"}; treatment: ${settings(c.treatment)}.`),
      el("p", {}, el("b", {}, "Verdict: "), `${LABELS[c.verdict] || c.verdict}. ${c.reason}`),
      effectTable(c),
      ...mechanisms(c),
      ...conditions(c),
      ...structure(c));
  }

  async function show(jobId) {
    const audit = await api(`/api/jobs/${jobId}/audit`);
    const counts = Object.entries(audit.verdicts).map(([v, n]) => `${n} ${LABELS[v] || v}`).join(", ");
    $("audit-out").dataset.job = jobId;
    $("audit-out").replaceChildren(
      el("div", { class: "audit-head" },
        el("h2", {}, `Claim audit: ${audit.title}`),
        el("button", { type: "button", id: "audit-print", class: "no-print", onclick: () => window.print() }, "Print / save")),
      el("p", { class: "note" }, `Scenario ${audit.scenario}; ${audit.members} paired members, seed ${audit.seed}; result ${audit.run_id}; ${counts}. ` +
        "Effect = treatment − base on the same members (common random numbers); intervals are the 5th and 95th percentiles over members."),
      ...audit.claims.map(claimBlock));
  }

  function clear() {
    $("audit-out").replaceChildren();
  }

  window.PostureAudit = { jobFields, show, clear, waterfall };
})();
