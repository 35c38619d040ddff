// Emergence: one smooth model family scored per token and by exact match over k tokens.
import { renderNav, getJSON, latest, afterPaint, readState, bindControls, fillChoices, si, showError, axis } from "./lab.js";

renderNav();
const $ = (id) => document.getElementById(id);
const state = readState({ k: "10", metric: "exact_match", fit: "chinchilla" });
const LABELS = { exact_match: "exact match over k tokens", per_token: "per-token accuracy", edit_distance: "token edit distance" };

let curves = null;
const redraw = afterPaint(drawChart);

const refresh = latest(() => getJSON(`/api/emergence?${new URLSearchParams({ k: state.k, fit: state.fit })}`), (e) => {
  showError($("error"), null);
  $("k_label").textContent = e.answer_tokens;
  const crossing = e.params.find((_, i) => e.exact_match[i] >= 0.5);
  $("cross").textContent = crossing ? si(crossing) : "beyond 10T"; $("cross").dataset.value = crossing ?? "";
  curves = e;
  redraw();
}, (err) => showError($("error"), err));

function drawChart() {
  const e = curves;
  const traces = [{ x: e.params, y: e[state.metric], mode: "lines", name: LABELS[state.metric], line: { width: 3, color: "#c2410c" } }];
  if (state.metric !== "per_token") traces.push({ x: e.params, y: e.per_token, mode: "lines", name: "per-token accuracy p (smooth)", line: { dash: "dot", color: "#2f5bea" } });
  Plotly.react("chart", traces, {
    margin: { l: 55, r: 10, t: 10, b: 45 }, legend: { orientation: "h", y: -0.2 },
    xaxis: axis("parameters N (trained on 20·N tokens)", { type: "log" }),
    yaxis: axis(state.metric === "edit_distance" ? "expected wrong tokens (of k)" : "accuracy (share correct)",
      { rangemode: "tozero" }),
    transition: { duration: 250, easing: "cubic-in-out" },
  }, { displayModeBar: false, responsive: true });
  $("chart").dataset.value = e[state.metric][e[state.metric].length - 1];
}

await fillChoices().catch((error) => showError($("error"), error));
bindControls(state, ["k", "metric", "fit"], (id) => (id === "metric" ? redraw() : refresh()));
refresh();
