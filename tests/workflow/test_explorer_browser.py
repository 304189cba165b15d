"""The explorer pages in a real browser: the workflow builds the blog's, the
small-batch study's and Part 2's pages on smoke-sized runs, and headless Chromium (driven
by selenium, networking off) opens each from file://: no console error, no
request leaving file://, every control there, and moving the epoch and layer
controls (and pressing Play) redraws the views.

Needs Debian's chromium and chromium-driver (apt-get install chromium
chromium-driver) and selenium; skipped without them. BNLAB_EXPLORER_SCREENSHOT=
docs/explorer.png also writes the README's screenshot (downscaled)."""

import io
import json
import os
import shutil
import time
from pathlib import Path

import numpy as np
import pytest

from tests.conftest import REPO, snakemake, test_config

CHROMIUM, CHROMEDRIVER = shutil.which("chromium"), shutil.which("chromedriver")
webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is not installed")
pytestmark = pytest.mark.skipif(
    not (CHROMIUM and CHROMEDRIVER),
    reason="no headless browser: apt-get install chromium chromium-driver (Debian)",
)
from PIL import Image, ImageChops  # noqa: E402
from selenium.webdriver.chrome.service import Service  # noqa: E402

# Smoke-sized studies: two seeds each, so that bands over seeds exist; the
# small-batch study with the two models its claims compare.
STUDIES = {
    "blog": {"model": ["baseline", "batchnorm"], "seed": [42, 0]},
    "batch": {
        "model": ["batchnorm", "layernorm"],
        "seed": [42, 0],
        "set": {
            "optimizer": "adam",
            "learning_rate": 0.001,
            "epochs": 1,
            "train_mode_test": True,
            "gradient_epochs": [],
        },
        "grids": [{"batch_size": [8, 128]}],
    },
    # Part 2 with its two axes: SGD at 0.3 and Adam at 1e-3, measured.
    "part2": {
        "model": ["baseline", "batchnorm"],
        "seed": [42, 0],
        "set": {"epochs": 1, "measure_every": 100, "gradient_epochs": []},
        "grids": [
            {"optimizer": ["sgd"], "learning_rate": [0.3]},
            {"optimizer": ["adam"], "learning_rate": [0.001]},
        ],
    },
}
AXES = {"blog": [], "batch": ["batch_size"], "part2": ["optimizer", "learning_rate"]}
WITH_CLAIMS = {"batch", "part2"}
PAGES = {study: f"results/explorer/{study}.html" for study in STUDIES}
CONTROLS = [
    "models",
    "seed",
    "split",
    "layer",
    "stage",
    "unit",
    "epoch",
    "play",
    "grad_epoch",
    "parameter",
    "grad_stat",
    "status",
]
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--window-size=1500,2400",
]


@pytest.fixture(scope="module")
def pages(tmp_path_factory, prepared_mnist, mnist_dir, tfds_dir):
    """The pages, built by the workflow from freshly trained smoke runs."""
    workdir = tmp_path_factory.mktemp("explorer")
    (workdir / "results/data").mkdir(parents=True)
    shutil.copy2(prepared_mnist, workdir / "results/data/mnist.nc")
    config = test_config(mnist_dir, tfds_dir, studies=STUDIES)
    start = time.monotonic()
    run = snakemake(workdir, config, *PAGES.values())
    assert run.returncode == 0, run.stdout[-4000:]
    print(f"trained and built the pages in {time.monotonic() - start:.0f} s")
    return {study: workdir / path for study, path in PAGES.items()}


@pytest.fixture
def browser(tmp_path):
    """Headless Chromium with a fresh profile, its network emulated offline,
    logging the console and every request."""
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in [*FLAGS, f"--user-data-dir={tmp_path / 'profile'}"]:
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.execute_cdp_cmd("Network.enable", {})
    offline = {"offline": True, "latency": 0, "downloadThroughput": 0, "uploadThroughput": 0}
    driver.execute_cdp_cmd("Network.emulateNetworkConditions", offline)
    yield driver
    driver.quit()


def open_page(driver, path):
    """Load `path` from file:// once the browser's own start-up requests are
    drained; wait until the page has drawn (its status line is written)."""
    driver.get("about:blank")
    driver.get_log("performance")
    driver.get_log("browser")
    driver.get(path.resolve().as_uri())
    for _ in range(100):
        if js(driver, "return window.Bokeh && Bokeh.documents.length ? model('status').text : ''"):
            return
        time.sleep(0.2)
    raise AssertionError("the page never drew: " + json.dumps(driver.get_log("browser"))[:2000])


HELPERS = """
const doc = Bokeh.documents[0];
const model = (name) => doc.get_model_by_name(name);
const view = (name) => Bokeh.index.get_one(model(name));
"""


def js(driver, code, *args):
    return driver.execute_script(HELPERS + code, *args)


def requests(driver):
    """Every URL the page asked for since it was opened."""
    urls = []
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message["method"] == "Network.requestWillBeSent":
            urls.append(message["params"]["request"]["url"])
    return urls


def pixels(driver, name):
    """The on-screen pixels of a named plot (RGB array)."""
    box = js(
        driver,
        "const r = view(arguments[0]).el.getBoundingClientRect(); return [r.left, r.top, r.right, r.bottom];",
        name,
    )
    driver.execute_script("window.scrollTo(0, 0)")
    ratio = driver.execute_script("return window.devicePixelRatio")
    image = Image.open(io.BytesIO(driver.get_screenshot_as_png())).convert("RGB")
    return np.asarray(image.crop(tuple(round(v * ratio) for v in box)))


def drawn(driver, source):
    return js(driver, "return Array.from(model(arguments[0]).data.top);", source)


def set_value(driver, name, value):
    """Move a control as a user would: its value changes, its callbacks run."""
    js(driver, "model(arguments[0]).value = arguments[1];", name, value)
    time.sleep(0.5)  # let the canvas repaint


@pytest.mark.parametrize("study", list(STUDIES))
def test_the_page_works_offline_in_a_browser(pages, browser, study, tmp_path):
    path = pages[study]
    open_page(browser, path)
    time.sleep(1)
    errors = [e for e in browser.get_log("browser") if e["level"] == "SEVERE"]
    assert errors == []
    leaving = [url for url in requests(browser) if url.split(":", 1)[0] not in ("file", "data")]
    assert leaving == [], f"requests that leave file://: {leaving}"

    axes = AXES[study]
    claims = ["claims_table"] if study in WITH_CLAIMS else []
    controls = [f"axis:{a}" for a in axes] + CONTROLS + claims
    shown = js(
        browser,
        "return arguments[0].filter((n) => model(n) !== null && view(n).el.isConnected"
        " && view(n).el.getBoundingClientRect().width > 0);",
        controls,
    )
    assert shown == controls

    # the epoch control redraws the histograms (data and pixels)
    model = "batchnorm"
    last = js(browser, "return model('epoch').end;")
    assert js(browser, "return model('epoch').value;") == last
    before, before_pixels = drawn(browser, f"hist_a:{model}"), pixels(browser, "plot:hist_a")
    assert sum(before) > 0
    set_value(browser, "epoch", 0)
    after, after_pixels = drawn(browser, f"hist_a:{model}"), pixels(browser, "plot:hist_a")
    assert after != before and sum(after) > 0
    assert (before_pixels != after_pixels).any()
    assert "epoch 0" in js(browser, "return model('plot:hist_a').title.text;")

    # the layer control: another layer's outputs
    set_value(browser, "layer", "1")
    layer_pixels = pixels(browser, "plot:hist_a")
    assert drawn(browser, f"hist_a:{model}") != after
    assert (layer_pixels != after_pixels).any()
    assert "hidden layer 1" in js(browser, "return model('plot:hist_a').title.text;")

    # the stage control: what the activation receives (BatchNorm_1 for BatchNorm)
    js(browser, "model('stage').active = 1;")
    assert "BatchNorm_1" in js(browser, "return model('plot:hist_a').title.text;")

    # Play, clicked as a user would, steps the epoch slider to its end
    button = js(browser, "return view('play').el.shadowRoot.querySelector('button');")
    button.click()
    for _ in range(50):
        if js(browser, "return model('epoch').value;") == last:
            break
        time.sleep(0.2)
    assert js(browser, "return model('epoch').value;") == last

    if axes:  # another value of the first axis: another condition's runs
        axis = axes[0]
        status = js(browser, "return model('status').text;")
        other = js(
            browser,
            f"const s = model('axis:{axis}'); return s.options.find((o) => o !== s.value);",
        )
        set_value(browser, f"axis:{axis}", other)
        assert js(browser, "return model('status').text;") != status
        assert f"{axis}={other}" in js(browser, "return model('status').text;")
    if claims:  # choosing a claim shows its per-seed differences
        js(browser, "model('claims').selected.indices = [1];")
        assert len(js(browser, "return Array.from(model('claim_dots').data.x);")) == 2

    assert [e for e in browser.get_log("browser") if e["level"] == "SEVERE"] == []
    assert [url for url in requests(browser) if not url.startswith(("file:", "data:"))] == []
    js(browser, "model('epoch').value = model('epoch').end; model('layer').value = '0';")
    js(browser, "model('stage').active = 1;")
    time.sleep(0.5)
    shot = tmp_path / f"explorer_{study}.png"
    browser.save_screenshot(str(shot))
    assert shot.stat().st_size > 0
    target = os.environ.get("BNLAB_EXPLORER_SCREENSHOT")
    if target and study == "blog":
        save_small(shot, REPO / target)


def save_small(shot, target, limit=150_000):
    """The screenshot, cropped to the page, downscaled and palette-quantized to at
    most `limit` bytes."""
    image = Image.open(shot).convert("RGB")
    blank = Image.new("RGB", image.size, "white")
    image = image.crop(ImageChops.difference(image, blank).getbbox())
    width = 1000
    while True:
        small = image.resize((width, round(image.height * width / image.width)), Image.LANCZOS)
        buffer = io.BytesIO()
        small.quantize(colors=64).save(buffer, format="PNG", optimize=True)
        if buffer.tell() <= limit or width < 400:
            break
        width = int(width * 0.85)
    Path(target).write_bytes(buffer.getvalue())
