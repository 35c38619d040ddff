// Frontier architectures: the catalog side by side, sortable, every figure from /api/frontier.
import { renderNav, getJSON, latest, readState, writeState, bindControls, fillChoices, si, showError, escapeHtml } from "./lab.js";

renderNav();
const $ = (id) => document.getElementById(id);
const state = readState({ gpu: "h100", context: "4096", sort: "total_params", dir: "desc" });
const COLUMNS = [
  ["model", "model", (r) => `${escapeHtml(r.model)}<br><span class="note">${escapeHtml(r.hf_id)}</span>`],
  ["total_params", "total", (r) => si(r.total_params)],
  ["active_params", "active", (r) => si(r.active_params)],
  ["attention", "attention", (r) => `${r.attention}<br><span class="note">${escapeHtml(r.layer_mix)}</span>`],
  ["experts", "experts", (r) => escapeHtml(r.experts)],
  ["kv_bytes_per_token", "KV bytes/token", (r) => r.kv_bytes_per_token.toLocaleString("en-US")],
  ["weights_bf16_gb", "bf16 GB", (r) => si(r.weights_bf16_gb)],
  ["weights_int4_gb", "int4 GB", (r) => si(r.weights_int4_gb)],
  ["decode_tokens_per_s", "decode tok/s", (r) => `${r.decode_tokens_per_s.toPrecision(3)}<br><span class="note">on ${r.gpus_for_bf16} GPU${r.gpus_for_bf16 > 1 ? "s" : ""}</span>`],
  ["source", "source", (r) => `<span class="note">${escapeHtml(r.source)}; published ${escapeHtml(r.published.total)}${r.published.active ? " / " + escapeHtml(r.published.active) + " active" : ""}</span>`],
];
let data = null;

function draw() {
  const key = state.sort, sign = state.dir === "asc" ? 1 : -1;
  const rows = [...data.rows].sort((a, b) => (a[key] > b[key] ? 1 : a[key] < b[key] ? -1 : 0) * sign);
  const head = COLUMNS.map(([k, label]) => `<th class="${k === "model" || k === "source" || k === "attention" || k === "experts" ? "" : "num"}" aria-sort="${k === key ? (state.dir === "asc" ? "ascending" : "descending") : "none"}"><button type="button" data-key="${k}">${label}${k === key ? (state.dir === "asc" ? " ▲" : " ▼") : ""}</button></th>`).join("");
  const body = rows.map((r) => `<tr data-model="${r.model}">${COLUMNS.map(([k, , cell]) => `<td class="${typeof r[k] === "number" ? "num" : ""}">${cell(r)}</td>`).join("")}</tr>`).join("");
  $("table").innerHTML = `<thead><tr>${head}</tr></thead><tbody>${body}</tbody>`;
  $("table").querySelectorAll("th button").forEach((b) => b.addEventListener("click", () => {
    state.dir = state.sort === b.dataset.key && state.dir === "desc" ? "asc" : "desc";
    state.sort = b.dataset.key;
    writeState(state);
    draw();
    $("table").querySelector(`th button[data-key="${state.sort}"]`).focus();
  }));
}

const refresh = latest(() => getJSON(`/api/frontier?${new URLSearchParams({ gpu: state.gpu, context: state.context })}`), (d) => {
  showError($("error"), null);
  data = d;
  $("note").textContent = `Decode: ${d.note}, context ${Number(d.context).toLocaleString("en-US")}. Active counts the embedding row and the output head.`;
  draw();
}, (e) => showError($("error"), e));

await fillChoices().catch((error) => showError($("error"), error));
bindControls(state, ["gpu", "context"], () => refresh());
refresh();
