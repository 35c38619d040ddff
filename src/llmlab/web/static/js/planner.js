// Planner: the form -> POST /api/plan -> the recommendation, the quality bar, the cost–quality frontier
// and every alternative side by side. A plan takes seconds: while one is computing, or when the planner
// refuses the inputs, the figures on screen are marked stale (dimmed, with a line saying why).
import { renderNav, getJSON, readState, writeState, bindControls, fillChoices, si, money, showError, escapeHtml, axis } from "./lab.js";

renderNav();
const $ = (id) => document.getElementById(id);
// The fields of POST /api/plan (PlanRequest); each is a control with the same id and a URL key.
const FIELDS = ["use_case", "requests_per_day", "input_tokens", "output_tokens", "latency", "context", "monthly_budget",
  "training_budget", "gpu", "precision", "private", "min_score", "as_good_as", "cached_input_fraction", "batch_api"];
const state = readState({
  use_case: "chat", requests_per_day: "1000", input_tokens: "500", output_tokens: "300", latency: "10", context: "8192",
  monthly_budget: "", training_budget: "", gpu: "any", precision: "", private: "false", min_score: "", as_good_as: "",
  cached_input_fraction: "0", batch_api: "false",
});
const TIER_COLORS = { small: "#7f97f0", frontier: "#2f5bea", reasoning: "#9333ea", "self-hosted": "#c2410c" };
const truthy = (value) => value === true || value === "true";
const plural = (n, word) => `${n.toLocaleString("en-US")} ${word}${n === 1 ? "" : "s"}`;
const fmtScore = (score) => String(Number(score.toPrecision(4)));
const perMonth = (cost) => (cost == null ? "—" : `${money(cost)}/month`);

function request() {
  const body = { use_case: state.use_case, gpu: state.gpu, private: truthy(state.private), batch_api: truthy(state.batch_api),
    cached_input_fraction: Number(state.cached_input_fraction) };
  for (const key of ["requests_per_day", "latency"]) body[key] = Number(state[key]);
  for (const key of ["input_tokens", "output_tokens", "context"]) body[key] = Math.round(Number(state[key]));
  for (const key of ["monthly_budget", "training_budget", "min_score"]) if (state[key] !== "") body[key] = Number(state[key]);
  for (const key of ["as_good_as", "precision"]) if (state[key] !== "") body[key] = state[key];
  return body;
}

// ------------------------------------------------------------------ request lifecycle

const results = $("results");
let shown = null;  // the plan on screen, if any
let controller = null, seq = 0, timer = 0;

function setState(kind, line) {
  results.dataset.state = kind;
  results.setAttribute("aria-busy", kind === "computing" ? "true" : "false");
  for (const section of [results, $("alternatives")]) section.classList.toggle("stale", shown !== null && kind !== "fresh");
  $("stale").hidden = !line;
  $("stale").dataset.kind = kind;
  $("stale").textContent = line ?? "";
}

function computing() {
  setState("computing", shown ? "Computing a plan for the changed inputs (a few seconds)… The figures below are still for the previous inputs." : null);
  if (!shown) $("summary").innerHTML = '<span class="note">Computing a plan (a few seconds)…</span>';
}

function refused(error) {
  let message = String(error.message || error).replace(/^request body: /, "");
  if (!/[.!?)]$/.test(message)) message += ".";
  showError($("error"), message);
  setState("refused", shown ? `Not re-planned — the planner refused these inputs: ${message} The figures below are for the previous inputs.`
    : `No plan — the planner refused these inputs: ${message}`);
  if (!shown) { $("summary").textContent = ""; $("summary").dataset.tier = "none"; }
}

// Plan after input pauses (`delay` ms): a plan costs seconds, so a drag or a typed number asks once.
// A newer request aborts the older one (the server drops a queued request whose client left).
function schedule(delay = 0) {
  clearTimeout(timer);
  computing();
  timer = setTimeout(run, delay);
}

async function run() {
  controller?.abort();
  controller = new AbortController();
  const mine = ++seq;
  try {
    const plan = await getJSON("/api/plan", { method: "POST", headers: { "Content-Type": "application/json" },
      body: JSON.stringify(request()), signal: controller.signal });
    if (mine !== seq) return;
    showError($("error"), null);
    shown = plan;
    show(plan);
    setState("fresh", null);
  } catch (error) {
    if (mine !== seq || error.name === "AbortError") return;
    refused(error);
  }
}

// ------------------------------------------------------------------ the answer

const defaultBars = {};  // use case -> its stated bar, learnt from plans made without one of the user's

function show(plan) {
  const best = plan.recommendation;
  $("summary").textContent = plan.summary;
  $("summary").dataset.tier = best?.tier ?? "none";
  const robust = $("robustness");
  robust.hidden = !best;
  robust.textContent = plan.robustness.startsWith("Robust") ? "robust" : "not robust";
  robust.className = `badge ${plan.robustness.startsWith("Robust") ? "robust" : "fragile"}`;
  robust.title = plan.robustness;
  $("reasons").innerHTML = (best?.reasons ?? []).map((r) => `<li>${escapeHtml(r)}</li>`).join("");
  showBar(plan);
  showTraining(plan.training);
  drawChart(plan);
  showFrontier(plan);
  showUnscored(plan);
  showOptions(plan);
  const a = plan.assumptions;
  const speeds = Object.entries(a.api_output_tokens_per_s).map(([tier, speed]) => `${tier} ${speed}`).join(", ");
  $("assumptions").textContent = `Assumptions: ${a.source}. API speeds (tokens/s): ${speeds}; peak traffic ${a.peak_to_mean_traffic}× the mean; self-hosting at the engine's expected serving figures, fitted to published measurements.`;
}

function showBar(plan) {
  const bar = plan.bar, req = plan.request;
  if (req.min_score == null && req.as_good_as == null) defaultBars[req.use_case] = bar.score;
  $("bar").dataset.score = bar.score;
  $("bar").dataset.benchmark = bar.benchmark;
  $("bar").innerHTML = `Quality bar: <strong>${fmtScore(bar.score)}</strong> on ${escapeHtml(bar.label)} — ${escapeHtml(bar.why)}` +
    (bar.unscored_note ? ` <span class="note">${escapeHtml(bar.unscored_note)}</span>` : "");
  if (req.use_case === state.use_case) {
    $("bar_benchmark").textContent = `on ${bar.label}`;
    placeholder();
  }
}

const placeholder = () => {
  const stated = defaultBars[state.use_case];
  $("min_score").placeholder = stated == null ? "default" : `default ${fmtScore(stated)}`;
};

function showTraining(t) {
  $("training").innerHTML = t ? `<h2>Training budget</h2><p data-testid="training_line">$${t.budget.toLocaleString("en-US")} buys ${t.flops.toExponential(2)} FLOPs on ${t.gpu.toUpperCase()} at MFU ${t.mfu.toFixed(2)}: compute-optimal <strong data-testid="train_n" data-value="${t.compute_optimal.params}">${si(t.compute_optimal.params)}</strong> parameters on <strong data-testid="train_d" data-value="${t.compute_optimal.tokens}">${si(t.compute_optimal.tokens)}</strong> tokens (loss ${t.compute_optimal.loss.toFixed(3)}); inference-aware for ${si(t.lifetime_inference_tokens)} lifetime tokens: ${si(t.inference_aware.inference_aware.params)} on ${si(t.inference_aware.inference_aware.tokens)}. ${escapeHtml(t.reference)} reaches ${t.reference_loss.toFixed(3)} under the same law.</p>` : "";
}

const latencyText = (o) => (o.latency_s == null ? "—" : `${o.latency_s.mean.toFixed(1)} s / ${o.latency_s.peak.toFixed(1)} s`);

function hover(o) {
  return `<b>${escapeHtml(o.name)}</b><br>${escapeHtml(o.tier_label)}<br>${perMonth(o.monthly_cost)}<br>` +
    `${fmtScore(o.quality.score)} on ${escapeHtml(o.quality.label)}<br>latency mean / peak: ${latencyText(o)}`;
}

// Ticks at 1, 2 and 5 × each power of ten across the costs shown (fewer on a narrow chart), in dollars ($2k, $1M).
function costTicks(costs, width) {
  if (!costs.length) return {};
  const lo = Math.min(...costs) / 1.5, hi = Math.max(...costs) * 1.5;
  let tickvals = [];
  for (const steps of [[1, 2, 5], [1, 3], [1]]) {
    tickvals = [];
    for (let e = Math.floor(Math.log10(lo)); e <= Math.ceil(Math.log10(hi)); e++) {
      for (const m of steps) if (m * 10 ** e >= lo && m * 10 ** e <= hi) tickvals.push(m * 10 ** e);
    }
    if (tickvals.length <= Math.max(3, width / 60)) break;
  }
  const short = (v) => (v >= 1e6 ? `${+(v / 1e6).toPrecision(3)}M` : v >= 1e3 ? `${+(v / 1e3).toPrecision(3)}k` : `${+v.toPrecision(3)}`);
  return { tickvals, ticktext: tickvals.map((v) => `$${short(v)}`) };
}

function drawChart(plan) {
  const chart = $("frontier_chart");
  const bar = plan.bar, best = plan.recommendation;
  const points = plan.options.filter((o) => o.fits && o.quality && o.monthly_cost > 0);
  const traces = [];
  for (const tier of Object.keys(TIER_COLORS)) {
    const group = points.filter((o) => o.tier === tier);
    if (!group.length) continue;
    traces.push({ x: group.map((o) => o.monthly_cost), y: group.map((o) => o.quality.score), mode: "markers", type: "scatter",
      name: group[0].tier_label, text: group.map(hover), hovertemplate: "%{text}<extra></extra>",
      marker: { size: 8, color: TIER_COLORS[tier], opacity: 0.75, line: { width: 0.5, color: "#fff" } } });
  }
  const byKey = new Map(plan.options.map((o) => [o.key, o]));
  traces.push({ x: plan.frontier.map((f) => f.monthly_cost), y: plan.frontier.map((f) => f.score), mode: "lines+markers",
    type: "scatter", line: { shape: "hv", color: "#1d2330", width: 1.5 }, marker: { size: 6, color: "#1d2330" },
    name: "frontier (nothing cheaper scores higher)",
    text: plan.frontier.map((f) => `${hover(byKey.get(f.key))}<br><i>${escapeHtml(f.note)}</i>`), hovertemplate: "%{text}<extra></extra>" });
  if (best?.quality && best.monthly_cost > 0) {
    traces.push({ x: [best.monthly_cost], y: [best.quality.score], mode: "markers", type: "scatter", name: "recommended",
      text: [hover(best)], hovertemplate: "%{text}<extra>recommended</extra>",
      marker: { symbol: "star", size: 18, color: "#1a7f4b", line: { width: 1, color: "#fff" } } });
  }
  const ys = [bar.score, ...points.map((o) => o.quality.score)];
  const lo = Math.min(...ys), hi = Math.max(...ys), pad = Math.max((hi - lo) * 0.08, Math.abs(hi) * 0.02, 1);
  const layout = {
    margin: { l: 60, r: 12, t: 12, b: 50 }, hovermode: "closest", showlegend: true,
    xaxis: axis("monthly cost ($/month, log scale)",
      { type: "log", ...costTicks(points.map((o) => o.monthly_cost), chart.clientWidth - 80) }),
    yaxis: axis(`score on ${bar.label}`, { range: [lo - pad, hi + pad], zeroline: false }),
    legend: { orientation: "h", x: 0, y: -0.2, yanchor: "top" },
    shapes: [{ type: "line", xref: "paper", x0: 0, x1: 1, yref: "y", y0: bar.score, y1: bar.score, line: { color: "#b3261e", width: 1.5, dash: "dash" } }],
    annotations: [{ xref: "paper", x: 0, xanchor: "left", yref: "y", y: bar.score, yanchor: "bottom", showarrow: false,
      text: `your bar: ${fmtScore(bar.score)}`, font: { color: "#b3261e", size: 12 } }],
  };
  chart.dataset.bar = bar.score;
  chart.dataset.points = points.length;
  chart.dataset.recommendation = best?.key ?? "";
  if (!window.Plotly) { chart.textContent = "The chart needs plotly.js, which did not load."; return; }
  Plotly.react(chart, traces, layout, { displayModeBar: false, responsive: true });
}

function showFrontier(plan) {
  if (!plan.frontier.length) {
    $("frontier_notes").textContent = "No scored option meets every constraint: nothing to put on the frontier.";
    return;
  }
  $("frontier_notes").innerHTML = `<strong>The frontier</strong> (no cheaper option scores as high), cheapest first:<ul class="plan-frontier">` +
    plan.frontier.map((f) => `<li>${escapeHtml(f.name)}: ${perMonth(f.monthly_cost)}, ${fmtScore(f.score)} — ${escapeHtml(f.note)}</li>`).join("") + "</ul>";
}

function showUnscored(plan) {
  // One entry per unscored model or API tier (a self-hosted model has a row per GPU and precision).
  const groups = new Map();
  for (const o of plan.options) {
    if (o.quality) continue;
    const label = o.tier === "self-hosted" ? `${o.details.model ?? o.name} (self-hosted)` : o.name;
    const group = groups.get(label) ?? { cheapest: null };
    if (o.fits && o.monthly_cost != null) group.cheapest = Math.min(group.cheapest ?? Infinity, o.monthly_cost);
    groups.set(label, group);
  }
  if (!groups.size) { $("unscored").textContent = ""; return; }
  // Those that fit first, cheapest first; then those that do not.
  const items = [...groups].sort(([, a], [, b]) => (a.cheapest ?? Infinity) - (b.cheapest ?? Infinity))
    .map(([label, g]) => `${label} — ${g.cheapest == null ? "doesn't fit" : `from ${perMonth(g.cheapest)}`}`);
  $("unscored").textContent = `Unscored (no published ${plan.bar.label} score), so never on the chart: ${items.join("; ")}.`;
}

function gpusText(o) {
  if (o.tier !== "self-hosted") return o.tier === "train" ? "—" : "API";
  if (o.replicas == null || o.tensor_parallel == null) return "no setup";
  const gpu = (o.details.gpu ?? "").toUpperCase();
  return `${plural(o.replicas, "replica")} × ${plural(o.tensor_parallel, "GPU")}<br><span class="note">${(o.replicas * o.tensor_parallel).toLocaleString("en-US")} × ${escapeHtml(gpu)}` +
    `${o.tensor_parallel > 1 ? `, ${o.tensor_parallel}-way tensor parallel` : ""}</span>`;
}

function fitsText(o) {
  const bar = o.clears_bar == null ? '<span class="note">unscored</span>' : o.clears_bar ? '<span class="yes">clears bar</span>' : '<span class="no">below bar</span>';
  return `<span class="${o.fits ? "yes" : "no"}">${o.fits ? "fits" : "doesn't fit"}</span><br>${bar}`;
}

function showOptions(plan) {
  const best = plan.recommendation?.key;
  const cell = (label, html, cls = "") => `<td role="cell" data-label="${label}"${cls ? ` class="${cls}"` : ""}><div>${html}</div></td>`;
  const rows = plan.options.map((o) => {
    const score = o.quality ? `<span title="${escapeHtml(`${o.quality.setting}; ${o.quality.source}`)}">${fmtScore(o.quality.score)}</span>` : '<span class="note">unscored</span>';
    const cost = o.tier === "train" ? '—<br><span class="note">one-off training</span>' : money(o.monthly_cost);
    const why = [...o.problems.map((p) => `<div class="no">${escapeHtml(p)}</div>`), ...o.reasons.map((r) => `<div class="note">${escapeHtml(r)}</div>`)].join("");
    return `<tr role="row" data-key="${escapeHtml(o.key)}" class="${o.key === best ? "recommended" : ""}">` +
      cell("fits", fitsText(o)) +
      cell("option", `${o.key === best ? '<span class="badge robust">recommended</span> ' : ""}${escapeHtml(o.name)}<br><span class="note">${escapeHtml(o.tier_label)}${o.details.architecture ? ` · ${escapeHtml(o.details.architecture)}` : ""}</span>`) +
      cell("score", score, "num") +
      cell("thinking tokens", o.thinking_tokens.toLocaleString("en-US"), "num") +
      cell("precision", escapeHtml(o.precision ?? "—")) +
      cell("GPUs", gpusText(o)) +
      cell("$/month", cost, "num") +
      cell("latency mean / peak", latencyText(o), "num") +
      cell("why", why, "why") + "</tr>";
  }).join("");
  const head = ["fits", "option", `score<br><span class="note">${escapeHtml(plan.bar.label)}</span>`, "thinking tokens", "precision",
    "GPUs", "$/month", "latency mean / peak", "why"];
  const numeric = new Set([2, 3, 6, 7]);
  $("options").innerHTML = `<thead><tr role="row">${head.map((h, i) => `<th role="columnheader"${numeric.has(i) ? ' class="num"' : ""}>${h}</th>`).join("")}</tr></thead><tbody>${rows}</tbody>`;
}

// ------------------------------------------------------------------ controls

$("form").addEventListener("submit", (event) => event.preventDefault());
try {
  const choices = await fillChoices();
  // "As good as": API tiers and open-weight models in two groups (a catalog model is in choices.models).
  const models = new Set(choices.models.map((m) => m.value));
  const select = $("as_good_as");
  const apiGroup = document.createElement("optgroup"), modelGroup = document.createElement("optgroup");
  apiGroup.label = "API tiers"; modelGroup.label = "open-weight models";
  for (const option of [...select.options].filter((o) => o.value !== "")) (models.has(option.value) ? modelGroup : apiGroup).append(option);
  select.append(apiGroup, modelGroup);
} catch (error) {
  showError($("error"), error);
}
const cachedLabel = () => { $("cached_label").textContent = `${Math.round(Number(state.cached_input_fraction) * 100)}%`; };
bindControls(state, FIELDS, (id) => {
  // One quality bar at a time: a minimum score clears "as good as", and the other way round.
  const other = { min_score: "as_good_as", as_good_as: "min_score" }[id];
  if (other && state[id] !== "" && state[other] !== "") { state[other] = ""; $(other).value = ""; writeState(state); }
  if (id === "use_case") placeholder();
  if (id === "cached_input_fraction") cachedLabel();
  const el = $(id);
  schedule(el.tagName === "SELECT" || el.type === "checkbox" ? 0 : 350);
});
cachedLabel();
schedule();
