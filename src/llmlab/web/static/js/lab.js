// Shared helpers for every demo: the API client, number formatting, tweening, URL state, the nav.

export const DEMOS = [
  ["/scaling", "Scaling laws"], ["/moe", "MoE routing"], ["/attention", "Long context"],
  ["/planner", "Planner"], ["/reasoning", "Reasoning effort"], ["/emergence", "Emergence"],
  ["/frontier", "Frontier architectures"],
];

export function renderNav() {
  const header = document.createElement("header");
  header.className = "lab";
  const links = DEMOS.map(([href, label]) =>
    `<a href="${href}"${location.pathname === href ? ' aria-current="page"' : ""}>${label}</a>`).join("");
  header.innerHTML = `<a class="brand" href="/">llmlab</a><nav aria-label="Demos">${links}</nav>`;
  document.body.prepend(header);
}

export class ApiError extends Error {}

export async function getJSON(url, options) {
  const response = await fetch(url, options);
  const body = await response.json();
  if (!response.ok) throw new ApiError(body.error || `request failed (${response.status})`);
  return body;
}

export const postJSON = (url, data) =>
  getJSON(url, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(data) });

// Every choice list the pages offer (GPUs, fits, models, use cases, attention patterns), read once per
// page from the catalog through /api/choices: no page writes a catalog list of its own.
let choicesRequest = null;
export const loadChoices = () => (choicesRequest ??= getJSON("/api/choices"));

// Fill every <select data-choices="LIST"> with the catalog's LIST, after the options written in the
// HTML (fixed extras such as the planner's "any"). Items are {value, label} or plain names;
// `labels[LIST][value]` overrides how a value reads, falling back to the catalog's label or the name.
// Call it (await it) before bindControls, so the URL state can select a catalog option.
export async function fillChoices(labels = {}, root = document) {
  const choices = await loadChoices();
  for (const select of root.querySelectorAll("select[data-choices]")) {
    const list = select.dataset.choices, items = choices[list];
    if (!Array.isArray(items)) throw new ApiError(`the lab offers no choice list "${list}"`);
    const written = new Set([...select.options].map((option) => option.value));
    for (const item of items) {
      const value = typeof item === "string" ? item : item.value;
      if (written.has(value)) continue;
      const label = labels[list]?.[value] ?? (typeof item === "string" ? item : item.label ?? value);
      select.append(new Option(label, value));
    }
  }
  return choices;
}

// A colour per entry of a choice list, by its index in the list (so a new catalog entry gets one too).
export const PALETTE = ["#2f5bea", "#7f97f0", "#c2410c", "#15803d", "#9333ea", "#0891b2", "#b45309", "#db2777", "#4b5563"];
export const colorByIndex = (index) => (index < 0 ? "#4b5563" : PALETTE[index % PALETTE.length]);

// Wrap an async loader so that only the newest call's result is applied (drops stale responses).
export function latest(load, apply, onError) {
  let seq = 0;
  return async (...args) => {
    const mine = ++seq;
    try {
      const result = await load(...args);
      if (mine === seq) apply(result);
    } catch (error) {
      if (mine === seq) onError(error);
    }
  };
}

const reducedMotion = matchMedia("(prefers-reduced-motion: reduce)").matches;

// Show `value` in `el`, easing from the last shown value; data-value holds the exact final text at once.
export function tween(el, value, format, ms = 250) {
  el.dataset.value = format(value);
  const from = Number(el.dataset.raw ?? value);
  el.dataset.raw = value;
  cancelAnimationFrame(el._frame);
  if (reducedMotion || !Number.isFinite(from) || from === value) { el.textContent = format(value); return; }
  const start = performance.now();
  const useLog = from > 0 && value > 0;
  const step = (now) => {
    const t = Math.min(1, (now - start) / ms), e = 1 - (1 - t) ** 3;
    const v = useLog ? Math.exp(Math.log(from) + (Math.log(value) - Math.log(from)) * e) : from + (value - from) * e;
    el.textContent = format(t === 1 ? value : v);
    if (t < 1) el._frame = requestAnimationFrame(step);
  };
  el._frame = requestAnimationFrame(step);
}

// Run `draw` after the next frame has painted: numbers reach the screen first, charts follow.
// Repeated calls before then collapse into one draw.
export function afterPaint(draw) {
  let pending = false;
  return () => {
    if (pending) return;
    pending = true;
    requestAnimationFrame(() => setTimeout(() => { pending = false; draw(); }, 0));
  };
}

export function readState(defaults) {
  const params = new URLSearchParams(location.search);
  const state = { ...defaults };
  for (const key of Object.keys(defaults)) if (params.has(key)) state[key] = params.get(key);
  return state;
}

// Keep the demo's state in the URL (shareable). Writes wait until input pauses: a history update
// in the middle of a drag costs the browser a few milliseconds that the next number needs.
let stateTimer = 0;
export function writeState(state) {
  clearTimeout(stateTimer);
  stateTimer = setTimeout(() => history.replaceState(null, "", `${location.pathname}?${new URLSearchParams(state)}`), 200);
}

// Bind form controls (by id) to state keys: set them from the state, update the state on input.
export function bindControls(state, ids, onChange) {
  for (const id of ids) {
    const el = document.getElementById(id);
    if (el.type === "checkbox") el.checked = state[id] === true || state[id] === "true";
    else el.value = state[id];
    el.addEventListener(el.tagName === "SELECT" || el.type === "checkbox" ? "change" : "input", () => {
      state[id] = el.type === "checkbox" ? el.checked : el.value;
      writeState(state);
      onChange(id);
    });
  }
}

// A plotly axis with its title (the bundled plotly.js draws only {title: {text}}, never a plain string).
export const axis = (text, options = {}) => ({ ...options, title: { text } });

export function si(value, digits = 3) {
  if (value === null || value === undefined || !Number.isFinite(value)) return "—";
  const units = [[1e12, "T"], [1e9, "B"], [1e6, "M"], [1e3, "K"]];
  for (const [scale, suffix] of units) if (Math.abs(value) >= scale) return `${(value / scale).toPrecision(digits)}${suffix}`;
  return value.toPrecision(digits);
}

export const sci = (value, digits = 3) => (Number.isFinite(value) ? value.toExponential(digits - 1).replace("e+", "e") : "—");
export const money = (value) => (Number.isFinite(value) ? `$${value >= 100 ? Math.round(value).toLocaleString("en-US") : value.toPrecision(3)}` : "—");
export const gb = (bytes) => `${(bytes / 1e9).toPrecision(3)} GB`;
export const gib = (bytes) => `${(bytes / 2 ** 30).toPrecision(3)} GiB`;

export function showError(el, error) { el.textContent = error ? String(error.message || error) : ""; }

export const escapeHtml = (text) => String(text).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
