function range_over(series, n) {
  // min and max over seeds at each index (NaN where no seed has a finite value)
  const lo = new Array(n).fill(NaN), hi = new Array(n).fill(NaN);
  for (const s of series) {
    for (let i = 0; i < n && i < s.length; i++) {
      const v = s[i];
      if (!Number.isFinite(v)) continue;
      if (!(lo[i] <= v)) lo[i] = v;
      if (!(hi[i] >= v)) hi[i] = v;
    }
  }
  return [lo, hi];
}
function positive(a) { return Array.from(a, (v) => (v > 0 ? v : NaN)); }
function set_options(select, options, fallback) {
  // replace a Select's options only when they differ; keep its value if still offered
  const values = options.map((o) => (Array.isArray(o) ? o[0] : o));
  if (JSON.stringify(select.options) !== JSON.stringify(options)) select.options = options;
  if (!values.includes(select.value)) {
    select.value = values.includes(fallback) ? fallback : values[0];
  }
}
function find_condition() {
  // the condition the axis Selects name; if that setting was not trained, the
  // first condition with the value just chosen, and the other Selects follow it
  const values = axis_selects.map((s) => s.value);
  let i = M.conditions.findIndex((c) => c.values.every((v, k) => v === values[k]));
  if (i < 0) {
    const k = axis_selects.indexOf(cb_obj);
    i = Math.max(0, M.conditions.findIndex((c) => k >= 0 && c.values[k] === values[k]));
    M.conditions[i].values.forEach((v, j) => {
      if (axis_selects[j].value !== v) axis_selects[j].value = v;
    });
  }
  return i;
}
const ci = find_condition();
const cond = M.conditions[ci];
set_options(seed_select, cond.seeds.map(String), String(M.seed));
const seed = seed_select.value;
const shown = new Set(models_group.active.map((i) => M.models[i]));
function run_of(model, s) {
  const r = cond.runs[model];
  return r !== undefined && r[s] !== undefined ? M.runs[r[s]] : null;
}
function seeds_of(model) {
  return cond.seeds.map(String).filter((s) => run_of(model, s) !== null);
}
function first_run() {
  for (const model of cond.models) {
    const s = seeds_of(model);
    if (s.length) return run_of(model, s[0]);
  }
  return null;
}
function band(model, values_of, n) {
  // {lo, hi} over the condition's seeds and y of the chosen seed
  const series = seeds_of(model).map((s) => values_of(run_of(model, s)));
  const [lo, hi] = range_over(series, n);
  const mine = run_of(model, seed);
  const y = mine ? Array.from(values_of(mine)).slice(0, n) : new Array(n).fill(NaN);
  return { lo, hi, y };
}
