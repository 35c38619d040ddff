// Planner: the form -> POST /api/plan -> the recommendation and every alternative side by side.
import { renderNav, postJSON, latest, readState, bindControls, fillChoices, si, money, showError, escapeHtml } from "./lab.js";

renderNav();
const $ = (id) => document.getElementById(id);
// The fields of POST /api/plan (PlanRequest); each is a control with the same id and a URL key.
const FIELDS = ["use_case", "requests_per_day", "input_tokens", "output_tokens", "latency", "context", "monthly_budget", "training_budget", "gpu", "private"];
const state = readState({ use_case: "chat", requests_per_day: "1000", input_tokens: "500", output_tokens: "300", latency: "10", context: "8192", monthly_budget: "", training_budget: "", gpu: "any", private: "false" });

function request() {
  const body = { use_case: state.use_case, gpu: state.gpu, private: state.private === true || state.private === "true" };
  for (const key of ["requests_per_day", "latency"]) body[key] = Number(state[key]);
  for (const key of ["input_tokens", "output_tokens", "context"]) body[key] = Math.round(Number(state[key]));
  for (const key of ["monthly_budget", "training_budget"]) if (state[key] !== "") body[key] = Number(state[key]);
  return body;
}

const refresh = latest(() => postJSON("/api/plan", request()), (plan) => {
  showError($("error"), null);
  $("summary").textContent = plan.summary;
  $("summary").dataset.tier = plan.recommended_tier ?? "none";
  $("reasons").innerHTML = (plan.recommended?.reasons ?? []).map((r) => `<li>${escapeHtml(r)}</li>`).join("");
  const t = plan.training;
  $("training").innerHTML = t ? `<h2>Training budget</h2><p data-testid="training_line">$${t.budget.toLocaleString("en-US")} buys ${t.flops.toExponential(2)} FLOPs on ${t.gpu.toUpperCase()} at MFU ${t.mfu}: compute-optimal <strong data-testid="train_n" data-value="${t.compute_optimal.params}">${si(t.compute_optimal.params)}</strong> parameters on <strong data-testid="train_d" data-value="${t.compute_optimal.tokens}">${si(t.compute_optimal.tokens)}</strong> tokens (loss ${t.compute_optimal.loss.toFixed(3)}); inference-aware for ${si(t.lifetime_inference_tokens)} lifetime tokens: ${si(t.inference_aware.inference_aware.params)} on ${si(t.inference_aware.inference_aware.tokens)}. ${escapeHtml(t.reference)} reaches ${t.reference_loss.toFixed(3)} under the same law.</p>` : "";
  const rows = plan.options.map((o, i) => `<tr class="${i === 0 && o.fits ? "recommended" : ""}">
      <td class="${o.fits ? "yes" : "no"}">${o.fits ? "yes" : "no"}</td><td>${escapeHtml(o.tier_label)}</td><td>${escapeHtml(o.name)}${o.details.architecture ? `<br><span class="note">${escapeHtml(o.details.architecture)}</span>` : ""}</td>
      <td class="num">${o.tier === "train" ? "one-off" : money(o.monthly_cost)}</td><td class="num">${o.latency_s == null ? "—" : o.latency_s.toFixed(1) + " s"}</td>
      <td>${[...o.problems, ...o.reasons].map((r) => `<div class="${o.problems.includes(r) ? "no" : "note"}">${escapeHtml(r)}</div>`).join("")}</td></tr>`).join("");
  $("options").innerHTML = `<thead><tr><th>fits</th><th>tier</th><th>option</th><th class="num">$/month</th><th class="num">latency</th><th>why</th></tr></thead><tbody>${rows}</tbody>`;
  $("assumptions").textContent = `Assumptions: ${plan.assumptions.source}. API speeds ${JSON.stringify(plan.assumptions.api_output_tokens_per_s)} tokens/s; ${plan.assumptions.reasoning_tokens_per_request} thinking tokens per reasoning request; peak traffic ${plan.assumptions.peak_to_mean_traffic}× the mean; self-hosting at ${plan.assumptions.serving_bandwidth_util * 100}% of peak bandwidth.`;
}, (e) => showError($("error"), e));

$("form").addEventListener("submit", (event) => event.preventDefault());
await fillChoices().catch((error) => showError($("error"), error));
bindControls(state, FIELDS, () => refresh());
refresh();
