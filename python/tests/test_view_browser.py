"""grapes view in a real browser: headless Chromium driven by Selenium (Debian's chromium,
chromium-driver and python3-selenium; ``tools/setup-debian.sh --tests`` installs them).

Every page is opened on result files written by grapes (helpers.grapes_results: hdf5_run.h5,
whose label volume is an HDF5 input, and the operando example's series file); what the page
shows is checked against the files read with h5py and numpy, and against matplotlib's viridis
for the property image. Screenshots of every page go to GRAPES_VIEW_SCREENSHOTS (default: a
folder under the results) as test artefacts.
"""

import os
import shutil
import threading
import time
import unittest

import h5py
import numpy as np

import helpers
from grapes_hpc.view import create_app

TOKEN = "browser-test-token"
CHROMIUM, DRIVER = "/usr/bin/chromium", "/usr/bin/chromedriver"


def _start_server(roots):
    """The app on a free port in a background thread; returns (server, base URL)."""
    import logging
    from werkzeug.serving import make_server
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no line per request in the log
    server = make_server("127.0.0.1", 0, create_app(roots, token=TOKEN), threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_port}"


def _browser():
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                     "--window-size=1400,1000"):
        options.add_argument(argument)
    return webdriver.Chrome(service=Service(DRIVER), options=options)


class ViewBrowserTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        missing = [p for p in (CHROMIUM, DRIVER) if not os.path.exists(p)]
        try:
            import selenium  # noqa: F401
        except ImportError:
            missing.append("python3-selenium")
        if missing:  # not a skip: tests/cli/test_python.sh fails on skipped tests
            raise RuntimeError(f"browser tests need {missing}: bash tools/setup-debian.sh --tests")

    def setUp(self):
        self.results = helpers.grapes_results(self)
        self.run_file = os.path.join(self.results, "hdf5_run.h5")
        self.series_file = os.path.join(self.results, "operando.h5")
        for path in (self.run_file, self.series_file):
            self.assertTrue(os.path.exists(path), f"{path} missing (tests/cli/test_python.sh makes it)")
        self.damaged_root = helpers.temporary_folder(self)
        with open(os.path.join(self.damaged_root, "damaged.h5"), "wb") as file:
            file.write(b"\x89HDF\r\n\x1a\n but cut short")
        self.server, self.url = _start_server([self.results, self.damaged_root])
        self.addCleanup(self.server.shutdown)
        self.driver = _browser()
        self.addCleanup(self.driver.quit)
        self.shots = os.environ.get("GRAPES_VIEW_SCREENSHOTS") or os.path.join(self.results, "screenshots")
        os.makedirs(self.shots, exist_ok=True)

    # ---- helpers -----------------------------------------------------------------------------
    def wait(self, script, timeout=20):
        """Polls a JavaScript expression until it is truthy; returns its value."""
        deadline = time.time() + timeout
        while time.time() < deadline:
            value = self.driver.execute_script(f"return {script};")
            if value:
                return value
            time.sleep(0.1)
        self.fail(f"timed out waiting for: {script}")

    def text(self, element_id):
        return self.driver.execute_script(f"return document.getElementById('{element_id}').textContent;")

    def shot(self, name):
        self.driver.save_screenshot(os.path.join(self.shots, f"{name}.png"))

    def open_file(self, name):
        self.driver.get(f"{self.url}/?token={TOKEN}")
        self.wait(f"document.querySelector('#files-table tr[data-path$=\"/{name}\"] a')")
        self.driver.execute_script(
            f"document.querySelector('#files-table tr[data-path$=\"/{name}\"] a').click();")
        self.wait("document.querySelectorAll('#table-rows .vrow').length > 0")

    def go(self, page):
        self.driver.execute_script(f"location.hash = '#{page}';")

    def column(self, index):
        """The visible particle table's column `index` as text, row by row."""
        return self.driver.execute_script(
            "return [...document.querySelectorAll('#table-rows .vrow')].map("
            f"r => r.children[{index}].textContent);")

    # ---- pages -------------------------------------------------------------------------------
    def test_files_page_lists_counts_and_the_damaged_file(self):
        self.driver.get(f"{self.url}/?token={TOKEN}")
        self.wait("document.querySelectorAll('#files-table tbody tr').length >= 3")
        rows = self.driver.execute_script(
            "return Object.fromEntries([...document.querySelectorAll('#files-table tbody tr')].map("
            "r => [r.dataset.path.split('/').pop(), [...r.cells].map(c => c.textContent)]));")
        with h5py.File(self.run_file) as file:
            self.assertEqual(rows["hdf5_run.h5"][1], str(file["particles/label"].shape[0]))
        self.assertIn("pristine", rows["operando.h5"][2])
        self.assertIn("damaged.h5", rows)
        self.assertTrue(rows["damaged.h5"][2].strip(), "the damaged file shows the reader's error")
        self.shot("files")

    def test_particles_count_sort_and_filter(self):
        self.open_file("hdf5_run.h5")
        with h5py.File(self.run_file) as file:
            volume = file["particles/volume"][()]
        self.assertEqual(self.text("particles-count"), f"{len(volume)} particles")
        volume_column = self.driver.execute_script(
            "return [...document.querySelectorAll('#table-head .vcell')].findIndex(c => c.dataset.column === 'volume');")
        self.assertGreaterEqual(volume_column, 0)
        header = f"document.querySelectorAll('#table-head .vcell')[{volume_column}]"
        self.driver.execute_script(f"{header}.click();")
        self.wait(f"{header}.textContent.includes('\u25b2') && document.querySelectorAll('#table-rows .vrow').length")
        time.sleep(0.3)
        shown = [float(v) for v in self.column(volume_column)]
        self.assertEqual(shown, sorted(volume)[:len(shown)])
        self.driver.execute_script(f"{header}.click();")
        self.wait(f"{header}.textContent.includes('\u25bc')")
        self.wait(f"document.querySelector('#table-rows .vrow').children[{volume_column}].textContent === '{int(volume.max())}'")
        self.shot("particles")
        self.driver.execute_script(
            "document.getElementById('filter').value = 'volume > 1000';"
            "document.getElementById('apply-filter').click();")
        expected = int((volume > 1000).sum())
        self.wait(f"document.getElementById('particles-count').textContent === '{expected} particles'")

    def test_particle_profile_matches_the_layers_table(self):
        with h5py.File(self.run_file) as file:
            labels = file["particles/label"][()]
            layer_label = file["layers/label"][()]
            graylevel = file["layers/graylevel"][()]
        label = int(labels[len(labels) // 2])
        self.open_file("hdf5_run.h5")
        self.go(f"particle/{label}")
        self.wait(f"document.getElementById('particle-label').textContent === '{label}'")
        self.wait("document.getElementById('particle-plot').plotData")
        plotted = self.driver.execute_script("return document.getElementById('particle-plot').plotData[1];")
        np.testing.assert_allclose(plotted, graylevel[layer_label == label], rtol=1e-12)
        self.wait("document.getElementById('particle-slice-note').textContent.startsWith('z =')")
        self.shot("particle")

    def test_property_image_pixel_colour_is_its_value(self):
        from matplotlib import colormaps
        self.open_file("hdf5_run.h5")
        self.go("image")
        self.wait("document.getElementById('image-canvas').dataset.high")
        self.driver.execute_script(
            "const s = document.getElementById('image-column'); s.value = 'volume';"
            "s.dispatchEvent(new Event('change'));")
        self.wait("document.getElementById('image-bar').textContent.startsWith('volume')")
        index = int(self.driver.execute_script("return document.getElementById('image-index').value;"))
        with h5py.File(os.path.join(self.results, "phantom.h5")) as file:
            labels = file["labels"][index]
        with h5py.File(self.run_file) as file:
            values = dict(zip(file["particles/label"][()], file["particles/volume"][()]))
        present = np.unique(labels[labels > 0])
        low, high = min(values[l] for l in present), max(values[l] for l in present)
        y, x = np.argwhere(labels == present[len(present) // 2])[0]
        pixel = self.driver.execute_script(
            f"return [...document.getElementById('image-canvas').getContext('2d').getImageData({x}, {y}, 1, 1).data];")
        expected = np.array(colormaps["viridis"]((values[labels[y, x]] - low) / (high - low))[:3]) * 255
        np.testing.assert_allclose(pixel[:3], expected, atol=8)
        background = np.argwhere(labels == 0)
        if len(background):
            by, bx = background[0]
            pixel = self.driver.execute_script(
                f"return [...document.getElementById('image-canvas').getContext('2d').getImageData({bx}, {by}, 1, 1).data];")
            self.assertEqual(pixel[:3], [0, 0, 0])
        self.shot("property_image")

    def test_profiles_page_plots_the_mean_per_layer(self):
        self.open_file("hdf5_run.h5")
        self.go("profiles")
        self.wait("document.getElementById('profile-plot').plotData")
        layers, mean = self.driver.execute_script(
            "const d = document.getElementById('profile-plot').plotData; return [d[0], d[1]];")
        with h5py.File(self.run_file) as file:
            layer = file["layers/layer"][()]
            normed = file["layers/graylevel_normed"][()]
        expected = [normed[layer == k].mean() for k in layers]
        np.testing.assert_allclose(mean, expected, rtol=1e-9, atol=1e-12)
        self.shot("profiles")

    def test_series_page_plots_the_steps(self):
        self.open_file("operando.h5")
        self.go("series")
        self.wait("document.getElementById('series-plot').plotData")
        mean = self.driver.execute_script("return document.getElementById('series-plot').plotData[1];")
        with h5py.File(self.series_file) as file:
            order = np.argsort(file["series/steps/step"][()])
            expected = file["series/steps/mean"][()][order]
        np.testing.assert_allclose(mean, expected, rtol=1e-12)
        self.shot("series")

    def test_csv_link_downloads_the_selection(self):
        self.open_file("hdf5_run.h5")
        href = self.driver.execute_script("return document.getElementById('csv-link').href;")
        self.assertIn("api/particles.csv", href)
        self.assertIn("columns=label", href)


if __name__ == "__main__":
    unittest.main()
