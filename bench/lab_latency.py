"""Slider-to-paint latency in the lab, measured inside headless Chromium.

For each slider: set a new value, dispatch the `input` event, and time until the new number is in
the DOM (the response applied) and the next animation frame has run (it is painted). Prints the
median and p95 of both against the one-frame budget of 16.7 ms. Charts redraw after the number's
frame has painted, so they do not delay it.

    python bench/lab_latency.py [--samples 60]
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import time
import urllib.request

from playwright.sync_api import sync_playwright

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]
FRAME_MS = 1000 / 60

# (page, slider id, element whose data-value changes, values to cycle through)
SLIDERS = [
    ("/scaling", "log_n", "loss", [f"{7 + i * 0.1:.2f}" for i in range(60)]),
    ("/scaling", "log_d", "loss", [f"{9 + i * 0.09:.2f}" for i in range(60)]),
    ("/emergence", "k", "cross", [str(1 + i % 40) for i in range(60)]),
]

MEASURE = """async ([sliderId, outputId, values]) => {
  const slider = document.getElementById(sliderId), output = document.getElementById(outputId);
  const times = [];
  for (const value of values) {
    const before = output.dataset.value;
    const changed = new Promise((resolve) => {
      const observer = new MutationObserver(() => { observer.disconnect(); resolve(); });
      observer.observe(output, {
        attributes: true, attributeFilter: ["data-value"], childList: true, characterData: true, subtree: true,
      });
    });
    const start = performance.now();
    slider.value = value;
    slider.dispatchEvent(new Event("input", { bubbles: true }));
    await Promise.race([changed, new Promise((r) => setTimeout(r, 2000))]);
    const inDom = performance.now() - start;
    // The frame that paints it: rAF runs just before that frame renders.
    await new Promise((r) => requestAnimationFrame(() => r()));
    times.push([inDom, performance.now() - start]);
    await new Promise((r) => setTimeout(r, 350));  // let the charts finish: one step at a time
  }
  return times;
}"""


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1]


def start_server() -> tuple[subprocess.Popen, str]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen([sys.executable, "-m", "llmlab.cli", "serve", "--port", str(port)],
                              stderr=subprocess.DEVNULL, env={**os.environ, "GOMP_SPINCOUNT": "0"})
    url = f"http://127.0.0.1:{port}"
    for _ in range(200):
        try:
            urllib.request.urlopen(url + "/api/health", timeout=1)
            return server, url
        except OSError:
            time.sleep(0.1)
    server.kill()
    raise RuntimeError("lab server did not start")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=60)
    args = parser.parse_args()
    server, url = start_server()
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=FLAGS)
            page = browser.new_page(viewport={"width": 1280, "height": 800})
            print(f"{'slider':<20} {'in DOM: median':>15} {'p95':>6}   {'painted: median':>16} {'p95':>6}  (ms)")
            for path, slider, output, values in SLIDERS:
                page.goto(url + path)
                page.wait_for_load_state("networkidle")
                samples = page.evaluate(MEASURE, [slider, output, values[: args.samples]])
                dom, painted = ([sample[i] for sample in samples] for i in (0, 1))
                print(f"{path + ' ' + slider:<20} {statistics.median(dom):15.1f} {p95(dom):6.1f}   "
                      f"{statistics.median(painted):16.1f} {p95(painted):6.1f}")
            browser.close()
    finally:
        server.terminate()
        server.wait(10)
    print(f"budget: one frame = {FRAME_MS:.1f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
