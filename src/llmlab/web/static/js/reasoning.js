// Reasoning effort: the projected cost and latency of one query per effort level.
import { renderNav, getJSON, latest, readState, writeState, money, showError, escapeHtml } from "./lab.js";

renderNav();
const $ = (id) => document.getElementById(id);
const state = readState({ effort: "medium" });

const refresh = latest(() => getJSON(`/api/reasoning/projection?effort=${state.effort}`), (p) => {
  showError($("error"), null);
  $("thinking").textContent = p.thinking_tokens.toLocaleString("en-US"); $("thinking").dataset.value = p.thinking_tokens;
  const cheapest = p.rows[0];
  $("cheapest").textContent = `${money(cheapest.cost_per_1000)}`; $("cheapest").dataset.value = cheapest.cost_per_1000;
  $("rows").innerHTML = `<thead><tr><th>model</th><th class="num">output tokens</th><th class="num">$ per query</th><th class="num">$ per 1,000</th><th class="num">latency</th></tr></thead><tbody>` +
    p.rows.map((r) => `<tr><td>${escapeHtml(r.model)}<br><span class="note">prices of ${r.price_date}</span></td><td class="num">${r.output_tokens.toLocaleString("en-US")}</td><td class="num">$${r.cost_per_query.toPrecision(3)}</td><td class="num">${money(r.cost_per_1000)}</td><td class="num">${r.latency_s.toFixed(1)} s at ${r.tokens_per_s} tok/s</td></tr>`).join("") + "</tbody>";
  $("assumptions").textContent = `${p.prompt_tokens} prompt tokens, ${p.answer_tokens} answer tokens, ${p.thinking_tokens} thinking tokens (billed as output). ${p.assumptions}.`;
}, (e) => showError($("error"), e));

for (const radio of document.querySelectorAll("input[name=effort]")) {
  radio.checked = radio.value === state.effort;
  radio.addEventListener("change", () => { state.effort = radio.value; writeState(state); refresh(); });
}
refresh();
