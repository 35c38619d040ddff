// MoE routing: the live computation for a chosen word, the expert load, total vs active parameters.
import { renderNav, getJSON, latest, readState, writeState, bindControls, fillChoices, si, showError, escapeHtml } from "./lab.js";

renderNav();
const $ = (id) => document.getElementById(id);
const state = readState({ text: "The cat sat on the mat because it was warm", k: "2", seed: "0", word: "0", model: "mixtral-8x7b", gpu: "h100" });
const COLORS = ["#2f5bea", "#c2410c", "#15803d", "#9333ea", "#0891b2", "#b45309", "#db2777", "#4b5563"];
let routed = null;

const color = (v, max) => { // blue for negative, orange for positive
  const t = Math.min(1, Math.abs(v) / max);
  return v >= 0 ? `rgba(194,65,12,${0.12 + 0.88 * t})` : `rgba(47,91,234,${0.12 + 0.88 * t})`;
};

function drawComputation() {
  const index = Math.min(Number(state.word), routed.tokens.length - 1);
  const token = routed.tokens[index];
  $("word").textContent = token.word;
  const svg = [];
  const cell = 15, x0 = 10, y0 = 20;
  svg.push(`<text x="${x0}" y="14" font-size="11">x</text>`);
  token.embedding.forEach((v, i) => svg.push(`<rect x="${x0}" y="${y0 + i * cell}" width="${cell * 2}" height="${cell - 1}" fill="${color(v, 0.7)}"><title>x[${i}] = ${v.toFixed(3)}</title></rect>`,
    `<text x="${x0 + cell * 2 + 3}" y="${y0 + i * cell + 11}" font-size="9">${v.toFixed(2)}</text>`));
  const wx = 90;
  svg.push(`<text x="${wx}" y="14" font-size="11">W (16×8)</text>`);
  routed.router.forEach((row, i) => row.forEach((v, j) => svg.push(`<rect x="${wx + j * cell * 1.4}" y="${y0 + i * cell}" width="${cell * 1.4 - 1}" height="${cell - 1}" fill="${color(v, 2.5)}"><title>W[${i},${j}] = ${v.toFixed(3)}</title></rect>`)));
  const bx = 280, barW = 30, maxLogit = Math.max(...token.logits.map(Math.abs), 1e-9);
  svg.push(`<text x="${bx}" y="14" font-size="11">logits = x·W</text><text x="${bx + 150}" y="14" font-size="11">softmax p</text>`);
  for (let j = 0; j < 8; j++) {
    const y = y0 + j * 36, chosen = token.experts.includes(j);
    const lw = (Math.abs(token.logits[j]) / maxLogit) * 60;
    svg.push(`<text x="${bx}" y="${y + 13}" font-size="11">E${j}</text>`,
      `<rect x="${bx + 70 - (token.logits[j] < 0 ? lw : 0)}" y="${y + 2}" width="${lw}" height="14" fill="${color(token.logits[j], maxLogit)}"/>`,
      `<text x="${bx + 138}" y="${y + 13}" font-size="10" text-anchor="end">${token.logits[j].toFixed(2)}</text>`,
      `<rect x="${bx + 150}" y="${y + 2}" width="${token.probs[j] * 150}" height="14" fill="${chosen ? COLORS[j] : "#c4cad6"}"/>`,
      `<text x="${bx + 155 + token.probs[j] * 150}" y="${y + 13}" font-size="10">${token.probs[j].toFixed(3)}${chosen ? " ✓" : ""}</text>`);
  }
  $("compute").innerHTML = svg.join("");
  $("chosen").textContent = `Top-${routed.top_k}: ` + token.experts.map((e, i) => `expert ${e} (p = ${token.probs[e].toFixed(3)}, gate ${token.gates[i].toFixed(3)})`).join(", ") +
    ". Gates are the chosen probabilities renormalised to sum to 1; the word's output is the gate-weighted sum of those experts' outputs.";
  $("chosen").dataset.value = token.experts.join(",");
  document.querySelectorAll("#words button").forEach((b, i) => b.setAttribute("aria-pressed", String(i === index)));
}

function drawLoad() {
  const max = Math.max(...routed.load, 1), svg = [];
  routed.load.forEach((count, j) => {
    const h = (count / max) * 100;
    svg.push(`<rect x="${15 + j * 48}" y="${115 - h}" width="36" height="${h}" fill="${COLORS[j]}"><title>expert ${j}: ${count}</title></rect>`,
      `<text x="${33 + j * 48}" y="${110 - h}" font-size="11" text-anchor="middle">${count}</text>`,
      `<text x="${33 + j * 48}" y="132" font-size="11" text-anchor="middle">E${j}</text>`);
  });
  $("load").innerHTML = svg.join("");
  $("load").dataset.value = routed.load.join(",");
  const ideal = (routed.tokens.length * routed.top_k / 8).toFixed(1);
  $("balance").textContent = `${routed.tokens.length} words × top-${routed.top_k} = ${routed.tokens.length * routed.top_k} assignments; a perfectly balanced router gives each expert ${ideal}. Load-balancing loss E·Σ fᵢ·Pᵢ = ${routed.balance_loss.toFixed(3)} (1.0 when balanced).`;
}

const refresh = latest(() => getJSON(`/api/moe/route?${new URLSearchParams({ text: state.text, k: state.k, seed: state.seed })}`), (data) => {
  showError($("error"), null);
  routed = data;
  $("words").innerHTML = data.tokens.map((t, i) => `<button type="button" class="secondary" data-index="${i}" style="border-left:6px solid ${COLORS[t.experts[0]]}">${escapeHtml(t.word)}</button>`).join("");
  $("words").querySelectorAll("button").forEach((b) => b.addEventListener("click", () => {
    state.word = b.dataset.index; writeState(state); drawComputation();
  }));
  drawComputation();
  drawLoad();
}, (e) => showError($("error"), e));

const refreshModel = latest(() => getJSON(`/api/moe/model?${new URLSearchParams({ model: state.model, gpu: state.gpu })}`), (m) => {
  showError($("error"), null);
  $("total").textContent = si(m.total); $("total").dataset.value = m.total;
  $("active").textContent = si(m.active); $("active").dataset.value = m.active;
  $("memory").textContent = `${m.memory_gb_bf16.toPrecision(3)} GB`; $("memory").dataset.value = m.memory_gb_bf16;
  $("speed").textContent = `${m.decode_tokens_per_s.toPrecision(3)} tok/s`; $("speed").dataset.value = m.decode_tokens_per_s;
  $("meaning").textContent = `All ${si(m.total)} parameters must sit in memory (${m.memory_gb_bf16.toPrecision(3)} GB at bf16, so ${m.gpus} × ${m.gpu.toUpperCase()}), but each token reads only ${si(m.active_without_embedding)} of them (${m.active_gb_bf16.toPrecision(3)} GB): it decodes like a ${si(m.active_without_embedding)} dense model, ≈${m.decode_tokens_per_s.toPrecision(3)} tokens/s at batch 1 on ${m.gpus} × ${m.gpu.toUpperCase()} (bandwidth bound, ideal tensor parallelism). Active counts the embedding row and output head; ${si(m.active_without_embedding)} without the input embedding.`;
  const rows = Object.keys(m.breakdown).filter((k) => m.breakdown[k] > 0)
    .map((k) => `<tr><td>${k.replace("_", " ")}</td><td class="num">${si(m.breakdown[k])}</td><td class="num">${si(m.active_breakdown[k])}</td></tr>`).join("");
  $("breakdown").innerHTML = `<thead><tr><th>component</th><th class="num">total</th><th class="num">active per token</th></tr></thead><tbody>${rows}</tbody>`;
}, (e) => showError($("error"), e));

await fillChoices().catch((error) => showError($("error"), error));
bindControls(state, ["text", "k", "seed", "model", "gpu"], (id) => (id === "model" || id === "gpu" ? refreshModel() : refresh()));
refresh();
refreshModel();
