// the chosen claim's per-seed differences b - a, its interval, zero and its margin
const claims = (window.__bnlab_claims = window.__bnlab_claims || JSON.parse(claims_json));
if (claims_source.selected.indices.length === 0) claims_source.selected.indices = [0];
const c = claims[claims_source.selected.indices[0]];
const kept = c.seeds.map((s, i) => [s, c.diffs[i]]).filter(([, d]) => d !== null);
dots.data = {
  x: kept.map(([, d]) => d),
  y: kept.map((_, i) => i + 1),
  seed: kept.map(([s]) => String(s)),
};
const has_interval = c.low !== null && c.high !== null;
interval.data = has_interval ? { x0: [c.low], x1: [c.high], y: [0], mean: [c.mean] }
                             : { x0: [], x1: [], y: [], mean: c.mean === null ? [] : [c.mean] };
const m = c.margin === null ? 0 : c.margin;
extent.data = { x: [-m, 0, m], y: [0, 0, 0] };
margin_box.left = -m;
margin_box.right = m;
margin_box.visible = m > 0;
const rank = c.primary ? "primary" : "secondary";
diff_plot.title.text = `${c.claim}: ${c.pair}, ${c.quantity} (${c.verdict}; ${rank})`;
