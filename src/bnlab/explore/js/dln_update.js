if (S.busy) return;
S.busy = true;
try {
__COMMON__
  const ref = first_run();
  const ics_layers = ref.ics ? Object.keys(ref.ics.ics_cosine) : [];
  set_options(ics_layer_select, ics_layers.length ? ics_layers : ["none"], ics_layers[0]);
  const form = ["ics_cosine", "ics_l2", "ics_relative"][ics_form_group.active];
  const ics_layer = ics_layer_select.value;
  const measure = landscape_select.value;
  M.models.forEach((model, k) => {
    const visible = shown.has(model) && seeds_of(model).length > 0;
    for (const r of renderers[k]) r.visible = visible;
    if (!visible) {
      loss_src[k].data = { x: [], lo: [], hi: [], y: [] };
      ics_src[k].data = { x: [], lo: [], hi: [], y: [] };
      land_src[k].data = { x: [], lo: [], hi: [], y: [] };
      return;
    }
    const base = run_of(model, seeds_of(model)[0]);
    const loss = band(model, (r) => C.loss.subarray(r.loss, r.loss + r.n), base.n);
    loss_src[k].data = {
      x: Array.from(C.loss_step.subarray(base.loss, base.loss + base.n)),
      lo: positive(loss.lo), hi: positive(loss.hi), y: positive(loss.y),
    };
    if (base.ics === undefined) {
      ics_src[k].data = { x: [], lo: [], hi: [], y: [] };
      land_src[k].data = { x: [], lo: [], hi: [], y: [] };
      return;
    }
    const x = Array.from(C.measure_step.subarray(base.measure, base.measure + base.m));
    const ics = band(model, (r) => {
      const at = r.ics ? r.ics[form][ics_layer] : undefined;
      return at === undefined ? [] : C.ics.subarray(at, at + r.m);
    }, base.m);
    ics_src[k].data = { x, ...ics };
    const land = band(model, (r) => {
      const at = r.landscape ? r.landscape[measure] : undefined;
      return at === undefined ? [] : C.landscape.subarray(at, at + r.m);
    }, base.m);
    land_src[k].data = { x, lo: positive(land.lo), hi: positive(land.hi), y: positive(land.y) };
  });
  const where = `${cond.label}: band min-max over seeds, line seed ${seed}`;
  plot_loss.title.text = `full-batch training loss per step, ${where}`;
  plot_ics.title.text = `${form} of ${ics_layer} per measured step, seed ${seed}`;
  plot_land.title.text = `${measure} per measured step, seed ${seed}`;
  status.text =
    `<b>${cond.label}</b>: ${cond.models.length} models, seeds ${cond.seeds.join(", ")}; ` +
    `showing seed ${seed}`;
} finally {
  S.busy = false;
}
