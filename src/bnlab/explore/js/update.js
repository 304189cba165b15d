if (S.busy) return;
S.busy = true;
try {
__COMMON__
  const ref = first_run();
  // controls that depend on the condition: layers, epochs, recorded gradient epochs
  const layers = ref.hidden.map((h, i) => [String(i), `hidden layer ${i} (${h.width} units)`]);
  layers.push(["out", `output layer (${ref.output})`]);
  set_options(layer_select, layers, "0");
  const last = Math.max(...cond.models.flatMap((m) => seeds_of(m).map((s) => {
    const e = run_of(m, s).epochs;
    return e[e.length - 1];
  })));
  if (epoch_slider.end !== last) epoch_slider.end = last;
  if (epoch_slider.value > last) epoch_slider.value = last;
  const epoch = epoch_slider.value;
  const grad_epochs = ref.grads.map((g) => String(g.epoch));
  set_options(grad_epoch_select, grad_epochs.length ? grad_epochs : ["none"], grad_epochs[0]);
  const params = [];
  for (const m of cond.models) {
    for (const s of seeds_of(m)) {
      for (const g of run_of(m, s).grads) {
        for (const p in g.params) if (!params.includes(p)) params.push(p);
      }
    }
  }
  const kernel = params.find((p) => p.endsWith("kernel"));
  const default_param = kernel === undefined ? params[0] : kernel;
  set_options(param_select, params.length ? params : ["none"], default_param);

  const layer = layer_select.value;
  const stage = stage_group.active;  // 0: Dense_i, 1: what the activation receives
  const split = split_group.active === 0 ? "test" : "train";
  const stat = ["grad_mean", "grad_std", "grad_norm"][grad_stat_group.active];
  const grad_epoch = Number(grad_epoch_select.value);
  const param = param_select.value;
  function layer_a(run) {
    if (layer === "out") return run.output;
    const h = run.hidden[Number(layer)];
    return h ? (stage === 0 ? h.dense : h.input) : null;
  }
  function layer_b(run) {
    const h = layer === "out" ? null : run.hidden[Number(layer)];
    return h ? h.relu : null;
  }
  function hist(run, name) {
    const L = run && name ? run.layers[name] : undefined;
    const e = run ? run.epochs.indexOf(epoch) : -1;
    if (L === undefined || e < 0) return { left: [], right: [], top: [] };
    const edges = M.edges[L.edges];
    const top = Array.from(C.hist.subarray(L.hist + e * L.bins, L.hist + (e + 1) * L.bins));
    return { left: edges.slice(0, L.bins), right: edges.slice(1, L.bins + 1), top };
  }
  function extent(run, name, into) {
    // widen `into` ([low, high]) to the non-empty bins of every epoch: a range
    // that stays put while the epoch moves
    const L = run && name ? run.layers[name] : undefined;
    if (L === undefined) return;
    const edges = M.edges[L.edges];
    for (let e = 0; e < run.epochs.length; e++) {
      const at = L.hist + e * L.bins;
      for (let b = 0; b < L.bins; b++) {
        if (C.hist[at + b] > 0) {
          into[0] = Math.min(into[0], edges[b]);
          into[1] = Math.max(into[1], edges[b + 1]);
        }
      }
    }
  }
  function fit(plot, range) {
    const pad = 0.05 * (range[1] - range[0]);
    if (Number.isFinite(pad) && pad > 0) {
      plot.x_range.start = range[0] - pad;
      plot.x_range.end = range[1] + pad;
    }
  }
  const width = ref.layers[layer_a(ref)] ? ref.layers[layer_a(ref)].width : 1;
  if (unit_spinner.high !== width - 1) unit_spinner.high = width - 1;
  if (unit_spinner.value > width - 1) unit_spinner.value = width - 1;
  const unit = unit_spinner.value;

  const names_a = [], names_b = [];
  const range_a = [Infinity, -Infinity], range_b = [Infinity, -Infinity];
  M.models.forEach((model, k) => {
    const visible = shown.has(model) && seeds_of(model).length > 0;
    for (const r of renderers[k]) r.visible = visible;
    const run = visible ? run_of(model, seed) : null;
    // histograms of the chosen epoch, seed and layer
    hist_a[k].data = hist(run, run ? layer_a(run) : null);
    hist_b[k].data = hist(run, run ? layer_b(run) : null);
    if (run) {
      names_a.push(layer_a(run));
      if (layer_b(run)) names_b.push(layer_b(run));
      extent(run, layer_a(run), range_a);
      extent(run, layer_b(run), range_b);
    }
    // accuracy and loss over epochs: band over seeds, the chosen seed's line
    if (!visible) {
      curve[k].data = {
        x: [], err_lo: [], err_hi: [], err: [], loss_lo: [], loss_hi: [], loss: [],
      };
      unit_src[k].data = { x: [], mean: [], std: [] };
      grad[k].data = { x: [], lo: [], hi: [], y: [] };
      return;
    }
    const base = run_of(model, seeds_of(model)[0]);
    const n = base.epochs.length;
    const series = (name) => (r) => C[name].subarray(r.curve, r.curve + r.epochs.length);
    const acc = band(model, series(split + "_accuracy"), n);
    const loss = band(model, series(split + "_loss"), n);
    const err = (a) => positive(a.map((v) => 1 - v));
    curve[k].data = {
      x: base.epochs, err_lo: err(acc.hi), err_hi: err(acc.lo), err: err(acc.y),
      loss_lo: positive(loss.lo), loss_hi: positive(loss.hi), loss: positive(loss.y),
    };
    // one unit's mean and std over epochs (chosen seed)
    const L = run ? run.layers[layer_a(run)] : undefined;
    if (L !== undefined && unit < L.width) {
      const at = (e) => L.units + e * L.width + unit;
      unit_src[k].data = {
        x: run.epochs,
        mean: run.epochs.map((_, e) => C.unit_mean[at(e)]),
        std: run.epochs.map((_, e) => C.unit_std[at(e)]),
      };
    } else {
      unit_src[k].data = { x: [], mean: [], std: [] };
    }
    // gradient statistic per step of the recorded epoch
    const rec = (r) => r.grads.find((g) => g.epoch === grad_epoch);
    const g0 = rec(base);
    if (g0 !== undefined && g0.params[param] !== undefined) {
      const values = (r) => {
        const g = rec(r);
        const at = g === undefined ? undefined : g.params[param];
        return at === undefined ? [] : C[stat].subarray(at, at + g.n);
      };
      const b = band(model, values, g0.n);
      grad[k].data = { x: Array.from(C.grad_step.subarray(g0.steps, g0.steps + g0.n)), ...b };
    } else {
      grad[k].data = { x: [], lo: [], hi: [], y: [] };
    }
  });
  fit(plot_a, range_a);
  fit(plot_b, range_b);
  for (const span of epoch_spans) span.location = epoch;
  const unique = (names) => [...new Set(names)].join(" / ");
  const what = layer === "out" ? "output layer" : `hidden layer ${layer}`;
  const at = `epoch ${epoch}, seed ${seed}`;
  const kind = layer === "out" || stage === 0 ? "Dense output" : "activation input";
  plot_a.title.text = `${what}: ${unique(names_a)} (${kind}), ${at}`;
  plot_b.title.text = names_b.length
    ? `${what} after the activation: ${unique(names_b)}, ${at}`
    : `${what}: no activation`;
  const seeds_text = `band min-max over seeds, line seed ${seed}`;
  plot_err.title.text = `${split} error rate (1 - accuracy): ${seeds_text}`;
  plot_loss.title.text = `${split} loss: ${seeds_text}`;
  plot_mean.title.text = `unit ${unit} of ${unique(names_a)}: mean (seed ${seed})`;
  plot_std.title.text = `unit ${unit} of ${unique(names_a)}: std (seed ${seed})`;
  plot_grad.title.text = grad_epochs.length
    ? `${stat} of ${param}'s gradient at each step of epoch ${grad_epoch}: ${seeds_text}`
    : "no gradient statistics recorded in this study (diagnostics.gradient_epochs)";
  status.text =
    `<b>${cond.label}</b>: ${cond.models.length} models, seeds ${cond.seeds.join(", ")}; ` +
    `showing seed ${seed}, epoch ${epoch}`;
} finally {
  S.busy = false;
}
