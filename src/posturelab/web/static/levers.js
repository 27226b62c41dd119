// posturelab dashboard: what a lever means (description, unit, domain, source or rationale), and
// the levers kept in the page address so that a view can be shared and reopened.
// Uses el() and $() of app.js (loaded after this file; called only once the page has loaded).
"use strict";

const PostureLevers = (() => {
  // The lever's domain in words: "0 to 17000 personnel", "a month, 2025-06 to 2035-12", "on or off".
  function domain(lever) {
    if (lever.kind === "number") return `${lever.min} to ${lever.max}${lever.unit ? " " + lever.unit : ""}`;
    if (lever.kind === "bool") return "on or off";
    const months = `a month, ${lever.min_month} to ${lever.max_month}`;
    return lever.kind === "month_or_never" ? `${months}, or never` : months;
  }

  // Where the lever's default comes from: its cited source and the reason given for it.
  function provenance(lever) {
    const parts = [];
    const s = lever.source;
    if (s) parts.push(`Source: ${s.publisher}, "${s.title}" (${s.date})${s.url ? " " + s.url : ""}.`);
    if (lever.rationale) parts.push(`${s ? "Why this default" : "Assumption"}: ${lever.rationale}`);
    return parts.length ? parts.join(" ") : "No source or rationale is given for this lever.";
  }

  // The label of a lever: its description, then its id, domain and default; the provenance as a
  // tooltip (title) on the label and on a focusable info mark that screen readers announce.
  function label(lever, forId) {
    const tip = `${lever.description}\n${domain(lever)}; default ${lever.default}.\n${provenance(lever)}`;
    const info = el("span", { class: "lever-info", tabindex: "0", role: "img", title: provenance(lever), "aria-label": provenance(lever) }, "i");
    return el(
      "label",
      { for: forId, title: tip, class: "lever-label" },
      el("span", { class: "lever-description" }, lever.description),
      " ",
      info,
      el("span", { class: "lever-meta note" }, `${lever.id} · ${domain(lever)}`),
    );
  }

  // Set a lever's control to a value (a number, true/false, a month or "never").
  function setValue(box, kind, value) {
    if (kind === "number") {
      for (const input of box.querySelectorAll("input")) input.value = value;
    } else if (kind === "bool") {
      box.querySelector("input").checked = Boolean(value);
    } else {
      const never = box.querySelector("input.never");
      const month = box.querySelector("input[type=month]");
      if (never) never.checked = value === "never";
      month.disabled = value === "never";
      if (value !== "never") month.value = value;
    }
  }

  // A value as read back from the address.
  function parse(kind, text) {
    if (kind === "number") return Number(text);
    if (kind === "bool") return text === "true";
    return text;
  }

  // ------------------------------------------------------------------ the page address
  // ?scenario=ID&a.LEVER=VALUE&b.LEVER=VALUE&compare=1&members=N&seed=S&variant=V&variant_b=V
  // Only levers set away from their default are written; an uploaded scenario is not kept.
  function write(detail, ref) {
    if (!ref || !ref.scenario) {
      history.replaceState(null, "", location.pathname);
      return;
    }
    const params = new URLSearchParams();
    params.set("scenario", ref.scenario);
    const compare = $("compare-mode").checked;
    for (const [prefix, target] of [["a", "levers-a"], ["b", "levers-b"]]) {
      if (prefix === "b" && !compare) continue;
      const values = leverValues(target);
      for (const lever of detail.levers) {
        if (values[lever.id] !== lever.default) params.set(`${prefix}.${lever.id}`, String(values[lever.id]));
      }
    }
    if (compare) params.set("compare", "1");
    if ($("variant-a").value) params.set("variant", $("variant-a").value);
    if (compare && $("variant-b").value) params.set("variant_b", $("variant-b").value);
    params.set("members", $("members").value);
    params.set("seed", $("seed").value);
    const address = `${location.pathname}?${params.toString()}`;
    if (address !== `${location.pathname}${location.search}`) history.replaceState(null, "", address);
  }

  // The address's settings as the page was opened (read before any control rewrites it).
  function shared() {
    return new URLSearchParams(location.search);
  }

  // Set the controls from the address: defaults first, then the levers it names. Unknown
  // levers and values of the wrong kind are left at their defaults and reported.
  function restore(detail, params) {
    const ignored = [];
    if (params.get("compare") === "1" && !$("compare-mode").checked) $("compare-mode").click();
    for (const [key, id] of [["members", "members"], ["seed", "seed"]]) {
      if (params.has(key) && /^[0-9]+$/.test(params.get(key))) $(id).value = params.get(key);
    }
    for (const [key, id] of [["variant", "variant-a"], ["variant_b", "variant-b"]]) {
      if (params.has(key) && detail.variants.some((v) => v.id === params.get(key))) $(id).value = params.get(key);
    }
    const byId = Object.fromEntries(detail.levers.map((l) => [l.id, l]));
    for (const [key, text] of params.entries()) {
      const match = /^([ab])\.(.+)$/.exec(key);
      if (!match) continue;
      const lever = byId[match[2]];
      const value = lever && parse(lever.kind, text);
      if (!lever || (lever.kind === "number" && !Number.isFinite(value))) {
        ignored.push(key);
        continue;
      }
      const box = $(`levers-${match[1]}`).querySelector(`[data-lever="${lever.id}"]`);
      setValue(box, lever.kind, value);
      markChanged(box, lever);
    }
    return ignored;
  }

  return { domain, provenance, label, setValue, write, restore, shared };
})();
