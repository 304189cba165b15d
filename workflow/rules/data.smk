# MNIST through tensorflow-datasets, once; the only place TensorFlow runs.


localrules:
    prepare_data,


rule prepare_data:
    output:
        MNIST,
    log:
        "results/logs/prepare_data.log",
    benchmark:
        "results/benchmarks/prepare_data.tsv"
    conda:
        ENV
    params:
        manual_dir=CONFIG["data"]["manual_dir"],
        tfds_data_dir=CONFIG["data"]["tfds_data_dir"],
    script:
        "../scripts/prepare_data.py"
