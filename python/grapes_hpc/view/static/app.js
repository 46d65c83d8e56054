// grapes view: the pages of docs/VIEW.md, drawn from the JSON API of server.py.
// Plain DOM code, no build step; uPlot (npm, served from /vendor) draws the line plots.
"use strict";

const state = { path: null, step: "", files: [], columns: [], shown: null,
                sort: null, desc: false, filter: "", label: null };
const ROW_HEIGHT = 24, PAGE_ROWS = 200;
const $ = (id) => document.getElementById(id);

// ---- API -----------------------------------------------------------------------------------
async function api(endpoint, params = {}) {
  const query = new URLSearchParams(Object.entries(params).filter(([, v]) => v !== null && v !== undefined && v !== ""));
  const response = await fetch(`api/${endpoint}?${query}`);
  const body = await response.json();
  if (!response.ok) throw new Error(body.error || `${endpoint}: HTTP ${response.status}`);
  return body;
}
const fileParams = (extra = {}) => ({ path: state.path, step: state.step, ...extra });
function showError(id, error) { $(id).textContent = error ? String(error.message || error) : ""; }
function format(value) {
  if (value === null || value === undefined) return "NaN";
  if (typeof value === "number" && !Number.isInteger(value)) return Number(value.toPrecision(6)).toString();
  return String(value);
}
function cell(tag, text) { const c = document.createElement(tag); c.textContent = text; return c; }
function fillTable(table, header, rows) {
  table.replaceChildren();
  const head = table.createTHead().insertRow();
  header.forEach((h) => head.appendChild(cell("th", h)));
  const body = table.createTBody();
  rows.forEach((row) => { const tr = body.insertRow(); row.forEach((v) => tr.appendChild(cell("td", format(v)))); });
}

// ---- navigation ----------------------------------------------------------------------------
const pages = { files: showFiles, particles: showParticles, particle: showParticle,
                image: showImage, profiles: showProfiles, series: showSeries };
function route() {
  const [name, arg] = (location.hash.slice(1) || "files").split("/");
  const page = pages[name] ? name : "files";
  document.querySelectorAll(".page").forEach((p) => { p.hidden = p.id !== `page-${page}`; });
  document.querySelectorAll("nav a").forEach((a) => a.classList.toggle("active", a.dataset.page === page));
  if (page !== "files" && !state.path) { $("current").textContent = "choose a file on the Files page first"; return; }
  if (page === "particle" && arg) state.label = Number(arg);
  pages[page]().catch((error) => console.error(error));
}
function chooseFile(file) {
  state.path = file.path; state.steps = file.steps || []; state.step = state.steps[0] || "";
  state.sort = null; state.filter = ""; state.shown = null; state.label = null; rowCache.clear();
  $("current").textContent = file.name;
  const stepSelect = $("step");
  stepSelect.replaceChildren(...state.steps.map((s) => new Option(s, s)));
  $("step-choice").hidden = state.steps.length === 0;
  location.hash = "#particles";
}

// ---- Files ---------------------------------------------------------------------------------
async function showFiles() {
  const { files } = await api("files");
  state.files = files;
  const body = $("files-table").tBodies[0];
  body.replaceChildren();
  for (const file of files) {
    const tr = body.insertRow();
    tr.dataset.path = file.path;
    const name = cell("td", file.name);
    if (file.error) {
      tr.classList.add("damaged");
      tr.append(name, cell("td", "-"));
      const message = cell("td", file.error); message.colSpan = 7; message.className = "error";
      tr.appendChild(message);
      continue;
    }
    const link = document.createElement("a"); link.href = "#particles"; link.textContent = file.name;
    link.addEventListener("click", (event) => { event.preventDefault(); chooseFile(file); });
    name.replaceChildren(link);
    const config = document.createElement("details");
    config.append(cell("summary", "config"), cell("pre", file.config || ""));
    const configCell = document.createElement("td"); configCell.appendChild(config);
    tr.append(name, cell("td", String(file.particles)), cell("td", (file.steps || []).join(", ") || "-"),
              cell("td", format(file.shape)), cell("td", format(file.voxel_size)),
              cell("td", file.created_utc || ""), cell("td", file.software || ""),
              cell("td", (file.warnings || []).join("; ") || "none"), configCell);
  }
}

// ---- Particles: virtual scrolling over pages of PAGE_ROWS rows -----------------------------
const rowCache = new Map();
let tableTotal = 0, renderToken = 0;
function tableParams(extra = {}) {
  return fileParams({ filter: state.filter, sort: state.sort, desc: state.desc ? 1 : "", ...extra });
}
async function rowPage(index) {
  if (!rowCache.has(index))
    rowCache.set(index, api("particles", tableParams({ offset: index * PAGE_ROWS, limit: PAGE_ROWS })));
  return rowCache.get(index);
}
async function showParticles() {
  showError("particles-error", null);
  rowCache.clear();
  let first;
  try { first = await rowPage(0); } catch (error) { showError("particles-error", error); return; }
  state.columns = first.columns;
  if (!state.shown) state.shown = first.columns.slice(0, 12);
  tableTotal = first.total;
  $("particles-count").textContent = `${first.total} particles`;
  $("particles-count").dataset.total = first.total;
  drawColumnChooser();
  drawHeader();
  $("table-spacer").style.height = `${tableTotal * ROW_HEIGHT}px`;
  updateCsvLink();
  await drawRows();
}
function drawColumnChooser() {
  const list = $("column-list");
  list.replaceChildren();
  for (const name of state.columns) {
    const label = document.createElement("label");
    const box = document.createElement("input"); box.type = "checkbox"; box.value = name;
    box.checked = state.shown.includes(name);
    box.addEventListener("change", () => {
      state.shown = state.columns.filter((c) => c === name ? box.checked : state.shown.includes(c));
      drawHeader(); drawRows(); updateCsvLink();
    });
    label.append(box, ` ${name}`);
    list.appendChild(label);
  }
}
function drawHeader() {
  const head = $("table-head");
  head.replaceChildren();
  for (const name of state.shown) {
    const th = cell("div", name + (state.sort === name ? (state.desc ? " \u25bc" : " \u25b2") : ""));
    th.className = "vcell"; th.dataset.column = name;
    th.addEventListener("click", () => {
      state.desc = state.sort === name ? !state.desc : false; state.sort = name; showParticles();
    });
    head.appendChild(th);
  }
}
async function drawRows() {
  const token = ++renderToken;
  const scroll = $("table-scroll");
  const firstRow = Math.floor(scroll.scrollTop / ROW_HEIGHT);
  const lastRow = Math.min(tableTotal, firstRow + Math.ceil(scroll.clientHeight / ROW_HEIGHT) + 5);
  const pagesNeeded = new Set();
  for (let r = firstRow; r < lastRow; r += 1) pagesNeeded.add(Math.floor(r / PAGE_ROWS));
  const loaded = new Map();
  for (const p of pagesNeeded) loaded.set(p, await rowPage(p));
  if (token !== renderToken) return;  // a newer scroll position is being drawn
  const rows = $("table-rows");
  rows.style.transform = `translateY(${firstRow * ROW_HEIGHT}px)`;
  rows.replaceChildren();
  const index = state.shown.map((c) => state.columns.indexOf(c));
  const labelColumn = state.columns.indexOf("label");
  for (let r = firstRow; r < lastRow; r += 1) {
    const page = loaded.get(Math.floor(r / PAGE_ROWS));
    const values = page.rows[r - page.offset];
    const div = document.createElement("div"); div.className = "vrow"; div.dataset.row = r;
    index.forEach((i) => { const c = cell("div", format(values[i])); c.className = "vcell"; div.appendChild(c); });
    div.addEventListener("click", () => { location.hash = `#particle/${values[labelColumn]}`; });
    rows.appendChild(div);
  }
}
function updateCsvLink() {
  $("csv-link").href = `api/particles.csv?${new URLSearchParams(Object.entries(
    tableParams({ columns: state.shown.join(",") })).filter(([, v]) => v !== null && v !== ""))}`;
}

// ---- Particle ------------------------------------------------------------------------------
let particlePlot = null;
async function showParticle() {
  showError("particle-error", null);
  if (state.label === null) { $("particle-label").textContent = "(click a row of the Particles page)"; return; }
  $("particle-input").value = state.label;
  let p;
  try { p = await api("particle", fileParams({ label: state.label })); } catch (error) { showError("particle-error", error); return; }
  $("particle-label").textContent = String(p.label);
  const layers = p.layers;
  const names = Object.keys(layers);
  fillTable($("particle-layers"), names, layers.layer.map((_, i) => names.map((n) => layers[n][i])));
  fillTable($("particle-values"), ["column", "value"], Object.entries(p.values));
  const neighbours = $("particle-neighbours");
  neighbours.replaceChildren(...p.neighbours.map((n) => {
    const a = document.createElement("a"); a.href = `#particle/${n.label}`;
    a.textContent = `${n.label} (${n.shared_faces} faces)`; return a;
  }));
  if (!p.neighbours.length) neighbours.textContent = "none";
  const series = [{ label: "layer" }, { label: "graylevel", stroke: "#1f77b4" }];
  const data = [layers.layer, layers.graylevel];
  for (const [name, values] of Object.entries(p.steps || {})) {
    if (name === state.step) continue;
    series.push({ label: `graylevel ${name}`, stroke: "#999", dash: [4, 4] });
    data.push(layers.layer.map((k) => { const i = values.layer.indexOf(k); return i < 0 ? null : values.graylevel[i]; }));
  }
  particlePlot = drawPlot("particle-plot", particlePlot, series, data, "layer (from the surface)", "grey level");
  await drawParticleSlice(p);
}
async function drawParticleSlice(p) {
  const note = $("particle-slice-note");
  const centroid = Math.round(p.values["centroid-0"] ?? 0);
  try {
    const slice = await api("slice", fileParams({ axis: 0, index: centroid, column: "volume" }));
    const labels = decodeLabels(slice.labels);
    const [h, w] = slice.shape;
    const canvas = $("particle-slice"); canvas.width = w; canvas.height = h;
    const context = canvas.getContext("2d"), image = context.createImageData(w, h);
    for (let i = 0; i < labels.length; i += 1) {
      const own = labels[i] === p.label, edge = own && isEdge(labels, i, w, h, p.label);
      const v = edge ? [255, 40, 40] : own ? [250, 200, 80] : labels[i] ? [110, 110, 110] : [20, 20, 20];
      image.data.set([...v, 255], 4 * i);
    }
    context.putImageData(image, 0, 0);
    note.textContent = `z = ${centroid}; the particle in yellow, its outline red, others grey`;
  } catch (error) { note.textContent = `no slice: ${error.message}`; }
}
function isEdge(labels, i, w, h, label) {
  const x = i % w, y = Math.floor(i / w);
  return x === 0 || y === 0 || x === w - 1 || y === h - 1 || labels[i - 1] !== label ||
         labels[i + 1] !== label || labels[i - w] !== label || labels[i + w] !== label;
}

// ---- Property image (GRAPES's prop_2_image) ------------------------------------------------
let imageState = null;
function decodeLabels(base64) {
  const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
  return new Uint32Array(bytes.buffer);
}
// viridis, 9 anchors (matplotlib's), linearly interpolated
const VIRIDIS = [[68, 1, 84], [71, 44, 122], [59, 81, 139], [44, 113, 142], [33, 144, 141],
                 [39, 173, 129], [92, 200, 99], [170, 220, 50], [253, 231, 37]];
function colour(t) {
  const x = Math.min(1, Math.max(0, t)) * (VIRIDIS.length - 1), i = Math.min(VIRIDIS.length - 2, Math.floor(x));
  return VIRIDIS[i].map((c, k) => Math.round(c + (VIRIDIS[i + 1][k] - c) * (x - i)));
}
async function showImage() {
  const select = $("image-column");
  if (!select.options.length || select.dataset.path !== state.path) {
    const first = await rowPage(0).catch(() => null);
    const columns = first ? first.columns.filter((c) => c !== "label") : ["volume"];
    select.replaceChildren(...columns.map((c) => new Option(c, c)));
    select.value = columns.includes("core_mean") ? "core_mean" : columns[0];
    select.dataset.path = state.path;
    const file = state.files.find((f) => f.path === state.path);
    const axis = Number($("image-axis").value);
    const extent = file && file.shape ? file.shape[axis] : 1;
    $("image-index").max = extent - 1; $("image-index").value = Math.floor(extent / 2);
  }
  await drawImage();
}
async function drawImage() {
  showError("image-error", null);
  const axis = Number($("image-axis").value), index = Number($("image-index").value);
  $("image-index-text").textContent = `${"zyx"[axis]} = ${index}`;
  let slice;
  try { slice = await api("slice", fileParams({ axis, index, column: $("image-column").value })); } catch (error) { showError("image-error", error); return; }
  const labels = decodeLabels(slice.labels), [h, w] = slice.shape;
  const lookup = new Map(slice.lut_labels.map((l, i) => [l, slice.lut_values[i]]));
  const finite = slice.lut_values.filter((v) => v !== null);
  const low = finite.length ? Math.min(...finite) : 0, high = finite.length ? Math.max(...finite) : 1;
  const canvas = $("image-canvas"); canvas.width = w; canvas.height = h;
  canvas.style.width = `${Math.max(256, Math.min(768, w * 3))}px`;
  const context = canvas.getContext("2d"), image = context.createImageData(w, h);
  for (let i = 0; i < labels.length; i += 1) {
    const value = labels[i] ? lookup.get(labels[i]) : undefined;
    const rgb = value === undefined || value === null ? (labels[i] ? [128, 128, 128] : [0, 0, 0])
      : colour(high > low ? (value - low) / (high - low) : 0.5);
    image.data.set([...rgb, 255], 4 * i);
  }
  context.putImageData(image, 0, 0);
  imageState = { labels, w, h, lookup, low, high, column: slice.column };
  $("image-bar").textContent = `${slice.column}: ${format(low)} (dark purple) .. ${format(high)} (yellow); grey: no value, black: background`;
  canvas.dataset.low = low; canvas.dataset.high = high;
}
function imageHover(event) {
  if (!imageState) return;
  const canvas = $("image-canvas"), box = canvas.getBoundingClientRect();
  const x = Math.floor((event.clientX - box.left) * imageState.w / box.width);
  const y = Math.floor((event.clientY - box.top) * imageState.h / box.height);
  if (x < 0 || y < 0 || x >= imageState.w || y >= imageState.h) return;
  const label = imageState.labels[y * imageState.w + x];
  $("image-hover").textContent = label ? `label ${label}: ${imageState.column} = ${format(imageState.lookup.get(label))}` : "background";
}

// ---- Profiles ------------------------------------------------------------------------------
let profilePlot = null;
async function showProfiles() {
  const other = $("profile-other");
  if (other.dataset.path !== state.path) {
    other.replaceChildren(new Option("(none)", ""), ...state.files.filter((f) => !f.error && f.path !== state.path)
      .map((f) => new Option(f.name, f.path)));
    other.dataset.path = state.path;
  }
  showError("profile-error", null);
  const k = Number($("profile-k").value) || 0, column = $("profile-column").value, groups = $("profile-by").value;
  const params = { column, by: groups ? "volume" : "", groups: groups || 4 };
  let table, compare = null;
  try {
    table = await api("profiles", fileParams(params));
    if (other.value) compare = await api("profiles", { path: other.value, ...params });
  } catch (error) { showError("profile-error", error); return; }
  const layers = [...new Set(table.layer)].sort((a, b) => a - b);
  const series = [{ label: "layer" }], data = [layers];
  const addProfile = (t, name, stroke, dash) => {
    for (const g of t.group ? [...new Set(t.group)] : [null]) {
      const at = (k2) => t.layer.findIndex((l, i) => l === k2 && (g === null || t.group[i] === g));
      const pick = (f) => layers.map((l) => { const i = at(l); return i < 0 ? null : f(i); });
      const tag = g === null ? name : `${name} group ${g + 1}`;
      series.push({ label: `${tag} mean`, stroke, dash });
      data.push(pick((i) => t.mean[i]));
      if (k > 0) {
        for (const sign of [-1, 1]) {
          series.push({ label: `${tag} ${sign < 0 ? "-" : "+"}${k} SE`, stroke, width: 0.5, dash: [2, 3] });
          data.push(pick((i) => (t.se[i] === null ? null : t.mean[i] + sign * k * t.se[i])));
        }
      }
    }
  };
  addProfile(table, "this file", "#1f77b4", undefined);
  if (compare) addProfile(compare, other.options[other.selectedIndex].text, "#d62728", [6, 3]);
  profilePlot = drawPlot("profile-plot", profilePlot, series, data, "layer (from the surface)",
                         column === "graylevel" ? "grey level" : "normalised grey level");
  const names = Object.keys(table);
  fillTable($("profile-table"), names, table.layer.map((_, i) => names.map((n) => table[n][i])));
}

// ---- Series --------------------------------------------------------------------------------
let seriesPlot = null;
async function showSeries() {
  let s;
  try { s = await api("series", { path: state.path }); } catch (error) { $("series-note").textContent = error.message; return; }
  $("series-note").textContent = `${s.mode} series, error bars +/- ${s.error_multiple} standard errors (the file's series.error_bars: ${s.error_bars})`;
  const model = $("series-model");
  if (model.dataset.path !== state.path) { model.value = s.error_bars; model.dataset.path = state.path; }
  if (!s.steps) { $("series-plot").replaceChildren(); return; }
  const steps = s.steps, k = s.error_multiple;
  const standard = $("series-model").value === "standard";
  const error = standard ? steps.ses : steps.se_tot;
  const x = steps.name.map((_, i) => i);
  const band = (sign) => steps.mean.map((m, i) => (m === null || error[i] === null ? null : m + sign * k * error[i]));
  const series = [{ label: "step" }, { label: "mean I", stroke: "#1f77b4", points: { show: true } },
                  { label: `-${k} ${standard ? "SES" : "SE_tot"}`, stroke: "#1f77b4", dash: [2, 3] },
                  { label: `+${k} ${standard ? "SES" : "SE_tot"}`, stroke: "#1f77b4", dash: [2, 3] }];
  seriesPlot = drawPlot("series-plot", seriesPlot, series, [x, steps.mean, band(-1), band(1)], "step", "mean core grey level",
                        (u, values) => values.map((v) => steps.name[v] ?? ""));
  const names = Object.keys(steps);
  fillTable($("series-table"), names, steps.name.map((_, i) => names.map((n) => steps[n][i])));
  fillTable($("series-cleaning"), ["rule", "labels removed"], Object.entries(s.removed || {}));
}

// ---- plots ---------------------------------------------------------------------------------
function drawPlot(id, old, series, data, xLabel, yLabel, xValues) {
  if (old) old.destroy();
  const target = $(id);
  target.replaceChildren();
  if (typeof uPlot === "undefined") { target.textContent = "plots need uPlot (npm ci in python/grapes_hpc/view/web)"; return null; }
  const xAxis = { label: xLabel };
  if (xValues) { xAxis.values = xValues; xAxis.incrs = [1]; }
  const plot = new uPlot({ width: 720, height: 360, series, scales: { x: { time: false } },
                           axes: [xAxis, { label: yLabel }] }, data, target);
  target.plotData = data;  // for the browser tests: the plotted values
  return plot;
}

// ---- wiring --------------------------------------------------------------------------------
window.addEventListener("hashchange", route);
window.addEventListener("DOMContentLoaded", () => {
  $("apply-filter").addEventListener("click", () => { state.filter = $("filter").value; showParticles(); });
  $("filter").addEventListener("keydown", (e) => { if (e.key === "Enter") $("apply-filter").click(); });
  $("table-scroll").addEventListener("scroll", () => drawRows());
  $("particle-go").addEventListener("click", () => { location.hash = `#particle/${$("particle-input").value}`; });
  $("image-column").addEventListener("change", drawImage);
  $("image-index").addEventListener("input", drawImage);
  $("image-axis").addEventListener("change", () => { $("image-column").dataset.path = ""; showImage(); });
  $("image-canvas").addEventListener("mousemove", imageHover);
  for (const id of ["profile-column", "profile-by", "profile-k", "profile-other"]) $(id).addEventListener("change", showProfiles);
  $("series-model").addEventListener("change", showSeries);
  $("step").addEventListener("change", () => { state.step = $("step").value; rowCache.clear(); route(); });
  showFiles().then(route);
});
