"""python -m grapes_hpc.plot on synthetic result and series files: valid, plausible images."""

import io
import os
import unittest
import xml.etree.ElementTree as ET
from contextlib import redirect_stderr, redirect_stdout

import h5py
import numpy as np

from helpers import series_files, temporary_folder
import synthetic

from grapes_hpc import plot
from grapes_hpc import read_series

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def run_plot(*args):
    """plot.main(args) -> (status, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        status = plot.main(list(args))
    return status, out.getvalue(), err.getvalue()


def written(stdout):
    """The paths plot.main reported."""
    return [line[len("wrote "):] for line in stdout.splitlines() if line.startswith("wrote ")]


class Figures(unittest.TestCase):
    """Every figure is written, is a valid image, and is not empty."""

    @classmethod
    def setUpClass(cls):
        import tempfile
        cls.shared = tempfile.mkdtemp(prefix="grapes-py-plot-")
        cls.result = os.path.join(cls.shared, "run.h5")
        cls.series_source = os.path.join(cls.shared, "series.h5")
        synthetic.write_result_file(cls.result, n=80)
        synthetic.write_series_file(cls.series_source, n=160)

    @classmethod
    def tearDownClass(cls):
        import shutil
        shutil.rmtree(cls.shared, True)

    def setUp(self):
        import shutil
        self.folder = temporary_folder(self)
        self.series = os.path.join(self.folder, "series.h5")  # a copy: some tests edit it
        shutil.copy(self.series_source, self.series)

    def check_png(self, path):
        with open(path, "rb") as file:
            head = file.read(24)
        self.assertEqual(head[:8], PNG_SIGNATURE, path)
        width, height = int.from_bytes(head[16:20], "big"), int.from_bytes(head[20:24], "big")
        self.assertGreater(width, 400, path)
        self.assertGreater(height, 300, path)
        self.assertGreater(os.path.getsize(path), 15_000, path)

    def test_result_figures_png(self):
        status, out, err = run_plot(self.result, "--out", self.folder)
        self.assertEqual(status, 0, err)
        paths = written(out)
        names = {os.path.basename(p) for p in paths}
        self.assertEqual(names, {"run_radial_profile.png", "run_histograms.png",
                                 "run_radial_profile_by_volume_quartile.png"})
        for path in paths:
            self.check_png(path)

    def test_series_figures_svg(self):
        status, out, err = run_plot(self.series, "--out", self.folder, "--format", "svg")
        self.assertEqual(status, 0, err)
        paths = written(out)
        kinds = {os.path.basename(p)[len("series_"):-len(".svg")] for p in paths}
        self.assertEqual(kinds, {"mean_per_step", "delta_per_quartile", "conditions",
                                 "radial_delta", "radial_profile"})
        for path in paths:
            root = ET.parse(path).getroot()
            self.assertTrue(root.tag.endswith("svg"), path)
            self.assertGreater(os.path.getsize(path), 5_000, path)
            with open(path) as file:
                text = file.read()
            self.assertIn("4.4V", text, path)  # SVG text stays text: a step name is on it

    def test_two_result_files_overlay(self):
        other = os.path.join(self.folder, "cycled.h5")
        synthetic.write_result_file(other, seed=5, n=70)
        status, out, err = run_plot(self.result, other, "--out", self.folder, "--k", "1",
                                    "--largest-quartile")
        self.assertEqual(status, 0, err)
        self.assertIn(os.path.join(self.folder, "run_vs_cycled_radial_profile.png"), written(out))

    def test_pdf(self):
        status, out, err = run_plot(self.result, "--out", os.path.join(self.folder, "pdf"),
                                    "--format", "pdf")
        self.assertEqual(status, 0, err)
        for path in written(out):
            with open(path, "rb") as file:
                self.assertEqual(file.read(5), b"%PDF-")

    def test_series_without_optional_tables(self):
        with h5py.File(self.series, "a") as file:  # no conditions, quartiles: none
            del file["series/conditions"]
            del file["series/quartiles"]
        status, out, err = run_plot(self.series, "--out", self.folder)
        self.assertEqual(status, 0, err)
        kinds = {os.path.basename(p)[len("series_"):-len(".png")] for p in written(out)}
        self.assertEqual(kinds, {"mean_per_step", "radial_delta", "radial_profile"})

    def test_series_without_steps_table(self):
        with h5py.File(self.series, "a") as file:
            del file["series/steps"]
        status, out, err = run_plot(self.series, "--out", self.folder)
        self.assertEqual(status, 2)
        self.assertIn("no /series/steps table", err)

    def test_result_without_particles(self):
        path = os.path.join(self.folder, "empty.h5")
        synthetic.write_result_file(path, n=10)
        with h5py.File(path, "a") as file:  # every table emptied, as a run without particles
            for group in ("particles", "layers", "adjacency"):
                for name in list(file[group]):
                    dtype = file[group][name].dtype
                    del file[group][name]
                    length = 1 if name == "layer_offset" else 0
                    file[group].create_dataset(name, data=np.zeros(length, dtype=dtype))
        status, out, err = run_plot(path, "--out", self.folder)
        self.assertEqual(status, 2)
        self.assertIn("empty.h5' has no particles", err)

    def test_not_a_grapes_file(self):
        path = os.path.join(self.folder, "tomo.h5")
        with h5py.File(path, "w") as file:
            file["data"] = np.zeros(3)
        status, out, err = run_plot(path, "--out", self.folder)
        self.assertEqual(status, 2)
        self.assertIn("tomo.h5", err)
        self.assertIn("not a grapes-hpc result", err)


class RealSeriesFigures(unittest.TestCase):
    """Every figure of the series files written by grapes series (the examples of inputs/)."""

    EXPECTED = {
        "operando.h5": {"mean_per_step", "delta_per_quartile", "conditions", "radial_delta",
                        "radial_profile", "geometry"},
        "exsitu.h5": {"radial_profile", "radial_profile_by_volume_quartile", "radial_z"},
        "matching.h5": {"mean_per_step", "delta_per_quartile", "radial_delta", "radial_profile",
                        "matching", "geometry"},
    }

    def setUp(self):
        self.files = series_files(self)
        self.folder = temporary_folder(self)

    def test_every_figure_of_every_example(self):
        for name, path in self.files.items():
            with self.subTest(file=name):
                out = os.path.join(self.folder, name)
                status, stdout, err = run_plot(path, "--out", out)
                self.assertEqual(status, 0, err)
                stem = name[:-len(".h5")]
                kinds = {os.path.basename(p)[len(stem) + 1:-len(".png")] for p in written(stdout)}
                self.assertEqual(kinds, self.EXPECTED[name])
                for path_png in written(stdout):
                    Figures.check_png(self, path_png)

    def test_svg_names_the_steps(self):
        path = self.files["operando.h5"]
        status, stdout, err = run_plot(path, "--out", self.folder, "--format", "svg")
        self.assertEqual(status, 0, err)
        with h5py.File(path, "r") as file:
            kept = file["series/values/label"].shape[0]
            steps = [bytes(n).decode() for n in file["series/steps/name"][()]]
        for figure in ("mean_per_step", "delta_per_quartile", "radial_delta", "radial_profile"):
            with open(os.path.join(self.folder, f"operando_{figure}.svg")) as file:
                svg = file.read()
            ET.fromstring(svg)
            for step in steps[1:]:  # SVG text is kept as text: the step names are on it
                self.assertIn(step, svg, figure)
            self.assertIn("8-bit grey levels", svg, figure)  # the unit, from input_grey_dtype
            if figure in ("mean_per_step", "delta_per_quartile"):
                self.assertIn(f"n={kept}", svg, figure)   # the particle count of each step
            else:
                self.assertIn(f"{kept} particles", svg, figure)

    def test_error_models_draw_their_bars(self):
        """Fig. 8's bars are k SE_tot (paper) or k SES (standard) of /series/steps, as read
        with h5py; the standard model prints the t-tests' p."""
        path = self.files["operando.h5"]
        with h5py.File(path, "r") as file:
            steps = {c: file[f"series/steps/{c}"][()] for c in file["series/steps"]}
        frame = read_series(path)["steps"].sort_values("step").reset_index(drop=True)
        order = np.argsort(steps["step"])
        for model, column, delta in (("paper", "se_tot", "delta_se_tot"),
                                     ("standard", "ses", "delta_ses")):
            with self.subTest(model=model):
                fig = plot.mean_per_step_figure("operando", frame, 3.0, "grey", model)
                for ax, name in zip(fig.axes, (column, delta)):
                    bars = ax.containers[0].lines[2][0].get_segments()
                    half = np.array([abs(b[1][1] - b[0][1]) / 2 for b in bars])
                    expected = np.nan_to_num(3.0 * steps[name][order])
                    np.testing.assert_allclose(half, expected, rtol=1e-12, atol=1e-12)
                texts = " ".join(t.get_text() for t in fig.axes[1].texts)
                self.assertIn("paired Z" if model == "paper" else "p paired t", texts)
                plot.plt.close(fig)
        status, _, err = run_plot(path, "--out", self.folder, "--error-bars", "standard")
        self.assertEqual(status, 0, err)


if __name__ == "__main__":
    unittest.main()
