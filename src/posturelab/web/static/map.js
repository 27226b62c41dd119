// posturelab dashboard: the theatre map. The server draws it from the scenario as SVG (no map
// tiles, nothing fetched from elsewhere); here it is placed in the page, and for a campaign trace
// a slider picks the day whose front line is shown (earlier days faint, later ones hidden).
// Uses el() and $() of app.js.
"use strict";

const PostureMap = (() => {
  // Parse the server's SVG text into nodes (never inserted as HTML).
  function parseSvg(text) {
    const doc = new DOMParser().parseFromString(text, "image/svg+xml");
    return document.importNode(doc.documentElement, true);
  }

  async function showScenario(ref) {
    const out = $("map-out");
    out.replaceChildren();
    const answer = await post("/api/map", ref);
    if (!answer.svg) return;
    out.append(
      el("h2", {}, "Theatre map"),
      el("p", { class: "note" }, "Bases as squares; each actor's forces at a place as a circle whose area grows with their personnel. Places are drawn at the cited coordinates; no coastlines."),
      parseSvg(answer.svg),
    );
  }

  function showFront(svg, day, trace) {
    for (const line of svg.querySelectorAll("line.front")) {
      const step = Number(line.dataset.step);
      line.style.display = step > day ? "none" : "";
      line.classList.toggle("past", step < day);
    }
    const depth = trace.X[day];
    $("front-day-label").textContent = `day ${trace.day[day]}: front ${PostureCharts.fmt(depth ?? 0)} km from the start line`;
  }

  // The campaign's theatre with its front line day by day.
  function showCampaign(trace) {
    if (!trace.map) return;
    const out = $("map-out");
    const svg = parseSvg(trace.map);
    const last = trace.day.length - 1;
    const slider = el("input", { type: "range", id: "front-day", min: "0", max: String(last), step: "1", "aria-label": "day of the campaign" });
    slider.value = String(last);
    out.replaceChildren(
      el("h2", {}, `Theatre map: the front line of ${trace.contest}, day by day`),
      el("p", { class: "note" }, "The front crosses the axis of advance at the campaign's depth; earlier days are drawn faint."),
      el("div", { class: "slider" }, el("label", { for: "front-day" }, "Day "), slider, el("span", { id: "front-day-label", class: "note" })),
      svg,
    );
    slider.addEventListener("input", () => showFront(svg, Number(slider.value), trace));
    showFront(svg, last, trace);
  }

  return { showScenario, showCampaign };
})();
