// Long context: the mask picture and its cost from /api/attention; the KV cache from /api/kv.
import { renderNav, getJSON, latest, readState, bindControls, fillChoices, si, gib, showError } from "./lab.js";

renderNav();
const $ = (id) => document.getElementById(id);
// How each of the catalog's attention patterns reads; a pattern not listed here shows its own name.
const PATTERN_LABELS = { causal: "Full causal", sliding: "Sliding window", strided: "Strided (Child et al. 2019)", global_local: "Global + local (Longformer-style)" };
const state = readState({ pattern: "sliding", n: "24", window: "6", stride: "6", n_global: "2", model: "llama-3.1-8b", kv_model: "gpt-oss-20b", batch: "1" });

function drawMask(mask) {
  const size = mask.size, cell = 400 / size, svg = [];
  mask.cells.forEach((row, i) => row.forEach((v, j) => {
    if (v > 0) svg.push(`<rect x="${j * cell}" y="${i * cell}" width="${cell + 0.02}" height="${cell + 0.02}" fill="rgba(47,91,234,${mask.kind === "cells" ? 1 : 0.15 + 0.85 * v})"/>`);
  }));
  if (mask.kind === "cells" && size <= 40) {
    for (let i = 0; i <= size; i++) svg.push(`<line x1="0" y1="${i * cell}" x2="400" y2="${i * cell}" stroke="#fff" stroke-width="0.5"/>`, `<line x1="${i * cell}" y1="0" x2="${i * cell}" y2="400" stroke="#fff" stroke-width="0.5"/>`);
  }
  svg.push(`<rect x="0" y="0" width="400" height="400" fill="none" stroke="#9aa6bf"/>`);
  $("mask").innerHTML = svg.join("");
  $("mask").dataset.cells = mask.cells.flat().filter((v) => v > 0).length;
}

const refresh = latest(() => {
  const q = new URLSearchParams({ pattern: state.pattern, n: state.n, window: state.window, stride: state.stride, n_global: state.n_global, model: state.model });
  return getJSON(`/api/attention?${q}`);
}, (a) => {
  showError($("error"), null);
  drawMask(a.mask);
  $("mask_note").textContent = a.mask.kind === "cells"
    ? `Each square is one (query, key) pair: ${a.n} queries × ${a.n} keys, blue = attended. Row i, column j: may token i read token j?`
    : `n = ${a.n.toLocaleString()} is too many cells to draw, so this is a density picture: ${a.mask.note}.`;
  $("pairs").textContent = a.pairs.toLocaleString("en-US"); $("pairs").dataset.value = a.pairs;
  $("fraction").textContent = `${(a.fraction_of_causal * 100).toPrecision(3)}%`; $("fraction").dataset.value = a.fraction_of_causal;
  $("keys").textContent = a.mean_keys_per_query.toPrecision(4);
  $("complexity").textContent = a.complexity;
  const ratio = a.causal_attention_flops_per_token / a.attention_flops_per_token;
  $("flops_line").textContent = `For ${a.model} at n = ${a.n.toLocaleString()}: attention costs ${si(a.attention_flops_per_token)} FLOPs per token vs ${si(a.causal_attention_flops_per_token)} for full causal attention (${ratio.toPrecision(3)}× less); with the weight matmuls, ${si(a.flops_per_token)} vs ${si(a.causal_flops_per_token)} forward FLOPs per token.`;
  $("flops_line").dataset.value = a.attention_flops_per_token;
  for (const id of ["window", "stride", "n_global"]) {
    const used = { window: ["sliding", "global_local"], stride: ["strided"], n_global: ["global_local"] }[id].includes(a.pattern);
    $(id).disabled = !used;
  }
}, (e) => showError($("error"), e));

const refreshKv = latest(() => getJSON(`/api/kv?${new URLSearchParams({ model: state.kv_model, batch: state.batch })}`), (kv) => {
  showError($("error"), null);
  const rows = kv.contexts.map((c) => `<tr><td class="num">${si(c.context)}</td><td class="num">${gib(c.bytes)}</td><td class="num">${gib(c.naive_bytes)}</td><td class="num">${(c.naive_bytes / c.bytes).toPrecision(3)}×</td><td>${c.context > kv.max_context ? "beyond the model's trained context" : ""}</td></tr>`).join("");
  $("kv").innerHTML = `<thead><tr><th class="num">context</th><th class="num">KV cache</th><th class="num">naive (all layers full)</th><th class="num">naive / right</th><th></th></tr></thead><tbody>${rows}</tbody>`;
  $("kv_line").textContent = `${kv.model}: ${kv.attention}, ${kv.kv_bytes_per_token.toLocaleString("en-US")} bytes per token across all layers` +
    (kv.sliding_layers ? `, ${kv.sliding_layers} sliding-window layers (w = ${kv.sliding_window}) that stop growing` : "") +
    `; weights ${kv.weights_gb.toPrecision(3)} GB at bf16; batch ${kv.batch}.`;
}, (e) => showError($("error"), e));

await fillChoices({ attention_patterns: PATTERN_LABELS }).catch((error) => showError($("error"), error));
bindControls(state, ["pattern", "n", "window", "stride", "n_global", "model", "kv_model", "batch"], (id) => (id === "kv_model" || id === "batch" ? refreshKv() : refresh()));
refresh();
refreshKv();
