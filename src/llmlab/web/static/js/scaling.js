// Scaling laws: sliders -> /api/scaling (numbers), fit -> /api/isoflop and /api/compare (charts).
import { renderNav, getJSON, postJSON, latest, tween, afterPaint, readState, writeState, bindControls, fillChoices, colorByIndex, si, sci, money, showError, axis } from "./lab.js";

renderNav();
const $ = (id) => document.getElementById(id);
const state = readState({ log_n: "10.85", log_d: "12.15", fit: "chinchilla", gpu: "h100", gpus: "1024", mfu: "0.4", price: "", inf: "0" });
const PRESETS = { "GPT-3": [175e9, 300e9], Gopher: [280e9, 300e9], Chinchilla: [70e9, 1.4e12], "Llama-3-8B": [8.03e9, 15e12] };
let fitNames = [];  // the catalog's fits, in order: a fit's colour is its index in this list
const fitColor = (name) => colorByIndex(fitNames.indexOf(name));
let iso = null, point = null;

function query() {
  const q = new URLSearchParams({ log_n: state.log_n, log_d: state.log_d, fit: state.fit, gpu: state.gpu,
    gpus: state.gpus, mfu: state.mfu, inference_tokens: Number(state.inf) > 0 ? 10 ** Number(state.inf) : 0 });
  if (state.price !== "") q.set("price", state.price);
  return q;
}

const refresh = latest(() => getJSON(`/api/scaling?${query()}`), (m) => {
  showError($("error"), null);
  point = m;
  tween($("loss"), m.loss, (v) => v.toFixed(4));
  tween($("flops"), m.flops, (v) => sci(v, 3));
  tween($("dollars"), m.cost.dollars, money);
  tween($("tpp"), m.tokens_per_param, (v) => v.toPrecision(3));
  $("hours").textContent = `${si(m.cost.gpu_hours)} · ${(m.cost.wall_clock_hours / 24).toPrecision(3)} d`;
  $("optimum").textContent = `${si(m.optimum.params)} on ${si(m.optimum.tokens)}`;
  $("optimum").dataset.value = m.optimum.params;
  const others = Object.entries(m.losses).map(([k, v]) => `${k} ${v.toFixed(3)}`).join(" · ");
  $("fits_line").textContent = `Same run under each fit: ${others}. Epoch's predicted loss, 95% interval over bootstrap refits: ${m.epoch_band[0].toFixed(3)}–${m.epoch_band[1].toFixed(3)}. Note: ${m.loss_scale_note}. Cost at ${m.cost.gpus} × ${m.cost.gpu.toUpperCase()}, MFU ${m.cost.mfu}, $${m.cost.price_per_gpu_hour}/GPU-h.`;
  const aware = m.inference_aware;
  $("inference_line").textContent = aware
    ? `Inference-aware for this loss and ${sci(aware.inference_tokens, 2)} lifetime tokens: ${si(aware.inference_aware.params)} params on ${si(aware.inference_aware.tokens)} tokens, ${(aware.saving_fraction * 100).toFixed(1)}% less lifetime compute than the compute-optimal ${si(aware.compute_optimal.params)}.`
    : "Set lifetime inference tokens to see the inference-aware optimum (Sardana et al. 2024).";
  $("n_label").textContent = si(m.params);
  $("d_label").textContent = si(m.tokens);
  $("ratio_label").textContent = m.tokens_per_param.toPrecision(3);
  redrawCharts();
}, (e) => showError($("error"), e));

const loadCurves = latest(() => getJSON(`/api/isoflop?fit=${state.fit}`), (data) => { iso = data; redrawCharts(); }, (e) => showError($("error"), e));
let compareRatio = null;
const loadCompare = latest((ratio) => getJSON(`/api/compare?tokens_per_param=${ratio}`), drawCompare, (e) => showError($("error"), e));

const LAYOUT = { margin: { l: 55, r: 10, t: 10, b: 45 }, xaxis: axis("parameters N", { type: "log" }),
  yaxis: axis("loss (nats per token)"), legend: { orientation: "h", y: -0.25 }, transition: { duration: 250, easing: "cubic-in-out" } };

const redrawCharts = afterPaint(drawIsoflop);

function drawIsoflop() {
  if (!iso || !point || !window.Plotly) return;
  const traces = iso.curves.map((c) => ({ x: c.params, y: c.loss, mode: "lines", line: { width: 1, color: "#9aa6bf" },
    name: `C = ${sci(c.flops, 1)}`, showlegend: false, hovertemplate: `C=${sci(c.flops, 1)}<br>N=%{x:.3s}<br>L=%{y:.3f}<extra></extra>` }));
  traces.push({ x: iso.frontier.map((f) => f.params), y: iso.frontier.map((f) => f.loss), mode: "lines", name: "compute-optimal frontier", line: { dash: "dash", color: "#1d2330" } });
  traces.push({ x: iso.landmarks.map((l) => l.params), y: iso.landmarks.map((l) => l.loss), mode: "markers+text", text: iso.landmarks.map((l) => l.label), textposition: "top center", name: "landmarks", marker: { symbol: "diamond", size: 9, color: "#9a6700" } });
  traces.push({ x: [point.params], y: [point.loss], mode: "markers", name: "your run", marker: { size: 12, color: fitColor(state.fit) } });
  if (point.inference_aware) {
    const a = point.inference_aware.inference_aware;
    traces.push({ x: [a.params], y: [a.loss], mode: "markers", name: "inference-aware", marker: { symbol: "star", size: 14, color: "#b3261e" } });
  }
  Plotly.react("isoflop", traces, { ...LAYOUT, yaxis: axis("loss (nats per token)", { range: [1.7, 4.0] }) }, { displayModeBar: false, responsive: true });
  const ratio = Number(point.tokens_per_param.toPrecision(2));
  if (ratio !== compareRatio) { compareRatio = ratio; loadCompare(ratio); }
}

function drawCompare(data) {
  const traces = [
    { x: data.params, y: data.epoch_high, mode: "lines", line: { width: 0 }, showlegend: false, hoverinfo: "skip" },
    { x: data.params, y: data.epoch_low, mode: "lines", line: { width: 0 }, fill: "tonexty", fillcolor: "rgba(194,65,12,0.15)", name: "Epoch 95% interval (bootstrap)" },
    ...Object.entries(data.losses).map(([name, ys]) => ({ x: data.params, y: ys, mode: "lines", name, line: { color: fitColor(name), width: name === state.fit ? 3 : 1.5 } })),
  ];
  Plotly.react("compare", traces, { ...LAYOUT, yaxis: axis("loss (nats per token)", { range: [1.6, 4.5] }) }, { displayModeBar: false, responsive: true });
}

for (const [label, [n, d]] of Object.entries(PRESETS)) {
  const button = document.createElement("button");
  button.type = "button"; button.className = "secondary"; button.textContent = label;
  button.addEventListener("click", () => {
    $("log_n").value = state.log_n = Math.log10(n).toFixed(2);
    $("log_d").value = state.log_d = Math.log10(d).toFixed(2);
    writeState(state);
    refresh();
  });
  $("presets").append(button);
}

$("csv").addEventListener("change", async () => {
  const file = $("csv").files[0];
  if (!file) return;
  $("fit_result").textContent = "Fitting…";
  try {
    const fit = await postJSON("/api/fit", { runs: await file.text() });
    $("fit_result").dataset.value = fit.E;
    $("fit_result").textContent = `L = ${fit.E.toFixed(4)} + ${fit.A.toPrecision(4)}/N^${fit.alpha.toFixed(4)} + ${fit.B.toPrecision(4)}/D^${fit.beta.toFixed(4)} from ${fit.points} runs` +
      (fit.dropped_highest_losses ? ` (dropped the ${fit.dropped_highest_losses} highest losses, Epoch's protocol)` : "") + `; N* ∝ C^${fit.a.toFixed(3)}.`;
    $("fit_chart").style.display = "block";
    Plotly.react("fit_chart", [
      { x: fit.runs.params, y: fit.runs.loss, mode: "markers", name: "your runs", marker: { size: 5, color: "#9aa6bf" } },
      { x: fit.runs.params, y: fit.runs.predicted, mode: "markers", name: "fitted law", marker: { size: 5, color: "#2f5bea", symbol: "x" } },
    ], { ...LAYOUT, yaxis: axis("loss (nats per token)") }, { displayModeBar: false, responsive: true });
  } catch (error) {
    $("fit_result").textContent = `Could not fit: ${error.message}`;
  }
});

try {
  fitNames = (await fillChoices()).fits.map((f) => f.value);
} catch (error) {
  showError($("error"), error);
}
bindControls(state, ["log_n", "log_d", "fit", "gpu", "gpus", "mfu", "price", "inf"], (id) => {
  if (id === "fit") { loadCurves(); compareRatio = null; }
  if (id === "inf") $("inf_label").textContent = Number(state.inf) > 0 ? sci(10 ** Number(state.inf), 2) : "none";
  refresh();
});
$("inf_label").textContent = Number(state.inf) > 0 ? sci(10 ** Number(state.inf), 2) : "none";
loadCurves();
refresh();
