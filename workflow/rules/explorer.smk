# `snakemake --cores all explorer`: the interactive explorer of every study of
# the config, one self-contained HTML page each (results/explorer/<study>.html,
# bnlab.explore; docs/explorer.md). Each page is a registered figure, so its
# study's own target builds it too (`rule all` the blog's, `part2` Part 2's).

EXPLORER = "bnlab.explore.page:write"


rule explorer:
    input:
        [
            path
            for name, fig in FIGURES.items()
            if fig.draw == EXPLORER
            for path in output_paths(fig, name, FIGS["format"]).values()
        ],
