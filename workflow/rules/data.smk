# MNIST through tensorflow-datasets, once; the only place TensorFlow runs.


localrules:
    prepare_data,


rule prepare_data:
    output:
        paths.MNIST,
    log:
        paths.LOG.format(path="prepare_data"),
    benchmark:
        paths.BENCHMARK.format(path="prepare_data")
    conda:
        ENV
    params:
        manual_dir=CONFIG["data"]["manual_dir"],
        tfds_data_dir=CONFIG["data"]["tfds_data_dir"],
    script:
        "../scripts/prepare_data.py"
