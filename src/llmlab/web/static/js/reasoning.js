// Reasoning effort: the trained model's real trace per effort, its measured curves, and the API projection.
import { renderNav, getJSON, postJSON, latest, readState, writeState, money, showError, escapeHtml, axis } from "./lab.js";

renderNav();
const $ = (id) => document.getElementById(id);
const CLASSIC = "A bat and a ball cost $1.10 in total. The bat costs $1.00 more than the ball. How much does the ball cost?";
const state = readState({ effort: "medium", question: CLASSIC });
let status = null;

const refreshProjection = latest(() => getJSON(`/api/reasoning/projection?effort=${state.effort}`), (p) => {
  $("thinking").textContent = p.thinking_tokens.toLocaleString("en-US"); $("thinking").dataset.value = p.thinking_tokens;
  $("cheapest").textContent = money(p.rows[0].cost_per_1000); $("cheapest").dataset.value = p.rows[0].cost_per_1000;
  $("rows").innerHTML = `<thead><tr><th>model</th><th class="num">output tokens</th><th class="num">$ per query</th><th class="num">$ per 1,000</th><th class="num">latency</th></tr></thead><tbody>` +
    p.rows.map((r) => `<tr><td>${escapeHtml(r.model)}<br><span class="note">prices of ${r.price_date}</span></td><td class="num">${r.output_tokens.toLocaleString("en-US")}</td><td class="num">$${r.cost_per_query.toPrecision(3)}</td><td class="num">${money(r.cost_per_1000)}</td><td class="num">${r.latency_s.toFixed(1)} s at ${r.tokens_per_s} tok/s</td></tr>`).join("") + "</tbody>";
  $("assumptions").textContent = `${p.prompt_tokens} prompt tokens, ${p.answer_tokens} answer tokens, ${p.thinking_tokens} thinking tokens (billed as output). ${p.assumptions}.`;
}, (e) => showError($("error"), e));

const solve = latest(() => getJSON(`/api/reasoning/solve?${new URLSearchParams({ question: state.question, effort: state.effort })}`), (s) => {
  showError($("error"), null);
  $("answer").textContent = s.answer; $("answer").dataset.value = s.answer;
  $("tokens").textContent = s.thinking_tokens; $("tokens").dataset.value = s.thinking_tokens;
  $("latency").textContent = `${(s.latency_s * 1000).toFixed(0)} ms`;
  const votes = Object.keys(s.votes).length > 1 || Object.values(s.votes)[0] > 1 ? ` Votes: ${Object.entries(s.votes).map(([a, n]) => `${a} ×${n}`).join(", ")}.` : "";
  $("verdict").textContent = `${s.verdict === "correct" ? "Correct" : s.verdict === "intuitive" ? "The intuitive wrong answer" : "Wrong"} (the exact answer is ${s.expected}).${s.forced ? " The thinking budget ran out: the end of thinking was forced." : ""}${votes}`;
  $("verdict").dataset.verdict = s.verdict;
  $("trace").textContent = s.trace || "(no thinking at this effort)";
}, (e) => showError($("error"), e));

function drawMeasurements(m) {
  const curve = m.budget_curve;
  Plotly.react("curve", [
    { x: curve.map((c) => c.thinking_tokens), y: curve.map((c) => c.accuracy), mode: "lines+markers", name: "thinking budget (1 sample)", text: curve.map((c) => `budget ${c.budget}`) },
    { x: m.vote_curve.map((c) => c.thinking_tokens), y: m.vote_curve.map((c) => c.accuracy), mode: "lines+markers", name: "majority of k samples", text: m.vote_curve.map((c) => `${c.votes} votes`) },
  ], { margin: { l: 55, r: 10, t: 10, b: 45 }, xaxis: axis("thinking tokens per problem (all samples)"), yaxis: axis("accuracy (share of held-out problems)", { range: [0, 1] }), legend: { orientation: "h", y: -0.25 } }, { displayModeBar: false, responsive: true });
  $("efforts").innerHTML = `<thead><tr><th>effort</th><th class="num">accuracy</th><th class="num">intuitive-wrong</th><th class="num">thinking tokens</th><th class="num">latency</th></tr></thead><tbody>` +
    Object.entries(m.efforts).map(([e, f]) => `<tr data-effort="${e}"><td>${e}</td><td class="num">${(f.accuracy * 100).toFixed(0)}%</td><td class="num">${(f.intuitive_rate * 100).toFixed(0)}%</td><td class="num">${f.thinking_tokens.toFixed(1)}</td><td class="num">${(f.latency_s * 1000).toFixed(0)} ms</td></tr>`).join("") +
    `</tbody><caption class="note">${m.problems} held-out problems (unseen numbers and names).</caption>`;
}

async function refreshStatus() {
  try {
    status = await getJSON("/api/reasoning/model");
  } catch (error) {
    showError($("error"), error);
    return;
  }
  for (const el of document.querySelectorAll("[data-budget]")) {
    const effort = el.dataset.budget, budget = status.budgets[effort], votes = status.votes[effort];
    el.textContent = budget ? `— up to ${budget} thinking tokens${votes > 1 ? `, majority of ${votes} samples` : ""}` : "— answers at once";
  }
  $("train").hidden = status.trained || status.training;
  $("progress").hidden = !status.training;
  $("progress").value = status.steps ? status.step / status.steps : 0;
  $("model_status").dataset.state = status.training ? "training" : status.trained ? "trained" : "untrained";
  $("model_status").textContent = status.training ? `Training: step ${status.step} of ${status.steps}, then measuring…`
    : status.trained ? "Model trained and measured (runs in " + status.runs_dir + ")." : "No reasoning model trained yet.";
  if (status.error) showError($("error"), status.error);
  if (status.trained) { drawMeasurements(status.measurements); solve(); }
  if (status.training) setTimeout(refreshStatus, 2000);
}

$("train").addEventListener("click", async () => {
  try { await postJSON("/api/reasoning/train", {}); } catch (error) { showError($("error"), error); return; }
  refreshStatus();
});
$("question").value = state.question;
$("question").addEventListener("input", () => { state.question = $("question").value; writeState(state); if (status?.trained) solve(); });
for (const radio of document.querySelectorAll("input[name=effort]")) {
  radio.checked = radio.value === state.effort;
  radio.addEventListener("change", () => { state.effort = radio.value; writeState(state); refreshProjection(); if (status?.trained) solve(); });
}
refreshProjection();
refreshStatus();
