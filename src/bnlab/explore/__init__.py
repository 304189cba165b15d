"""The interactive explorer: one self-contained HTML page per study (Bokeh, inline
resources, CustomJS; no server, no network), built by the study's target.

    data   - histories -> compact float32 columns and a JSON index of them
    claims - the study's claims table and each claim's per-seed differences
    script - the page's JavaScript (CustomJS bodies)
    page   - the Bokeh layout; writes results/explorer/<study>.html

No JAX, Flax, optax or TensorFlow (tests/unit/test_imports.py).
"""
