// posturelab dashboard charts: small SVG line and band charts, written by hand (no libraries).
"use strict";

const SVG_NS = "http://www.w3.org/2000/svg";
const COLOURS = ["#1f5fa8", "#c0392b", "#2e8b57", "#8e44ad"];

function svgEl(name, attrs, parent) {
  const el = document.createElementNS(SVG_NS, name);
  for (const [k, v] of Object.entries(attrs || {})) el.setAttribute(k, v);
  if (parent) parent.appendChild(el);
  return el;
}

function svgText(parent, x, y, text, attrs) {
  const t = svgEl("text", Object.assign({ x, y }, attrs || {}), parent);
  t.textContent = text;
  return t;
}

// Readable tick values: about `count` round numbers covering [lo, hi].
function ticks(lo, hi, count) {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / count;
  const mag = Math.pow(10, Math.floor(Math.log10(raw)));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw);
  const out = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(v);
  return out;
}

function fmt(v) {
  if (v === null || v === undefined || !isFinite(v)) return "–";
  const a = Math.abs(v);
  if (a === 0) return "0";
  if (a >= 1e4) return (v / 1e3).toFixed(0) + "k";
  if (a >= 100) return v.toFixed(0);
  if (a >= 1) return v.toFixed(2).replace(/\.?0+$/, "");
  return v.toPrecision(2);
}

// Extent of several arrays, ignoring nulls; never an empty range.
function extent(arrays) {
  let lo = Infinity;
  let hi = -Infinity;
  for (const arr of arrays) {
    for (const v of arr) {
      if (v !== null && isFinite(v)) {
        lo = Math.min(lo, v);
        hi = Math.max(hi, v);
      }
    }
  }
  if (lo === Infinity) return [0, 1];
  if (lo === hi) return [lo - 1, hi + 1];
  const pad = (hi - lo) * 0.05;
  return [lo >= 0 && lo - pad < 0 ? 0 : lo - pad, hi + pad];
}

// A line chart with optional bands.
// spec: {title, unit, x: [labels or numbers], xLabel(i), yRange, layers: [{label, colour,
//        line: [..], low: [..] | null, high: [..] | null}]}
function lineChart(spec) {
  const W = spec.width || 430;
  const H = spec.height || 250;
  const m = { l: 64, r: 10, t: 26, b: 40 };
  const svg = svgEl("svg", { width: W, height: H, viewBox: `0 0 ${W} ${H}`, class: "chart" });
  if (spec.className) svg.classList.add(spec.className);
  svgText(svg, m.l, 16, spec.title, { class: "title" });
  const n = spec.x.length;
  const all = [];
  for (const layer of spec.layers) {
    all.push(layer.line);
    if (layer.low) all.push(layer.low, layer.high);
  }
  const [y0, y1] = spec.yRange || extent(all);
  const sx = (i) => m.l + (n > 1 ? (i / (n - 1)) * (W - m.l - m.r) : 0);
  const sy = (v) => H - m.b - ((v - y0) / (y1 - y0)) * (H - m.t - m.b);
  const axis = svgEl("g", { class: "axis" }, svg);
  for (const v of ticks(y0, y1, 5)) {
    svgEl("line", { x1: m.l, x2: W - m.r, y1: sy(v), y2: sy(v), class: "grid" }, axis);
    svgText(axis, m.l - 4, sy(v) + 4, fmt(v), { "text-anchor": "end" });
  }
  const every = Math.max(1, Math.ceil(n / 6));
  for (let i = 0; i < n; i += every) {
    svgEl("line", { x1: sx(i), x2: sx(i), y1: H - m.b, y2: H - m.b + 4 }, axis);
    svgText(axis, sx(i), H - m.b + 15, spec.xLabel ? spec.xLabel(i) : String(spec.x[i]), {
      "text-anchor": "middle",
    });
  }
  svgEl("path", { d: `M${m.l},${m.t} V${H - m.b} H${W - m.r}`, fill: "none" }, axis);
  if (spec.unit) {
    svgText(svg, 12, (H - m.b + m.t) / 2, spec.unit, {
      transform: `rotate(-90 12 ${(H - m.b + m.t) / 2})`,
      "text-anchor": "middle",
    });
  }
  spec.layers.forEach((layer, k) => {
    const colour = layer.colour || COLOURS[k % COLOURS.length];
    if (layer.low) {
      // The band is drawn in runs of months where both bounds exist.
      let top = [];
      let bottom = [];
      const flush = () => {
        if (top.length > 1) {
          const d = "M" + top.join(" L") + " L" + bottom.reverse().join(" L") + " Z";
          svgEl("path", { d, fill: colour, "fill-opacity": 0.18, stroke: "none", class: "band" }, svg);
        }
        top = [];
        bottom = [];
      };
      for (let i = 0; i < n; i++) {
        const lo = layer.low[i];
        const hi = layer.high[i];
        if (lo === null || hi === null) { flush(); continue; }
        top.push(`${sx(i).toFixed(1)},${sy(hi).toFixed(1)}`);
        bottom.push(`${sx(i).toFixed(1)},${sy(lo).toFixed(1)}`);
      }
      flush();
    }
    let d = "";
    let pen = false;
    for (let i = 0; i < n; i++) {
      const v = layer.line[i];
      if (v === null || !isFinite(v)) { pen = false; continue; }
      d += `${pen ? "L" : "M"}${sx(i).toFixed(1)},${sy(v).toFixed(1)} `;
      pen = true;
    }
    if (d) svgEl("path", { d, fill: "none", stroke: colour, "stroke-width": 1.8, class: "median" }, svg);
    svgEl("rect", { x: m.l + 8 + k * 120, y: H - 14, width: 10, height: 10, fill: colour }, svg);
    svgText(svg, m.l + 22 + k * 120, H - 5, layer.label);
  });
  return svg;
}

// A horizontal interval strip for a table cell: 5–95% bar, median dot, zero line.
function intervalStrip(p05, p50, p95, lo, hi) {
  const W = 160;
  const H = 18;
  const svg = svgEl("svg", { width: W, height: H, class: "interval" });
  if (![p05, p50, p95].every((v) => v !== null && isFinite(v)) || !(hi > lo)) return svg;
  const sx = (v) => 4 + ((v - lo) / (hi - lo)) * (W - 8);
  svgEl("line", { x1: sx(0), x2: sx(0), y1: 1, y2: H - 1, stroke: "#999", "stroke-dasharray": "2,2" }, svg);
  svgEl("line", { x1: sx(p05), x2: sx(p95), y1: H / 2, y2: H / 2, stroke: "#1f5fa8", "stroke-width": 3 }, svg);
  svgEl("circle", { cx: sx(p50), cy: H / 2, r: 3.5, fill: "#c0392b" }, svg);
  return svg;
}

window.PostureCharts = { lineChart, intervalStrip, extent, fmt };
