"""grapes_hpc on series files written by the real ``grapes series`` (the operando, ex-situ and
label-matching examples of inputs/): read_series tables equal the HDF5 datasets, read(step=)
and to_grapes(step=) equal /steps/<name>/particles and /layers, and the statistics in the file
agree with numpy/pandas computations from the step tables (read with h5py alone)."""

import math
import unittest
import warnings

import h5py
import numpy as np
import pandas as pd

from helpers import series_files

import grapes_hpc

OPERANDO_TABLES = {"steps", "values", "removed", "conditions", "quartiles", "radial_delta",
                   "geometry"}


def text(values) -> list:
    """Fixed-length, null-padded byte strings as str, decoded here without grapes_hpc."""
    return [bytes(v).rstrip(b"\0").decode() for v in values]


def dataset_tables(file: h5py.File, root: str) -> dict:
    """{path below root: (columns attribute, {name: dataset values})} of every table group."""
    out = {}

    def visit(name, node):
        if isinstance(node, h5py.Group) and any(isinstance(node[k], h5py.Dataset) for k in node):
            columns = node.attrs["columns"]
            columns = (columns.decode() if isinstance(columns, bytes) else str(columns)).split(",")
            out[name] = (columns, {k: node[k][()] for k in node})

    file[root].visititems(visit)
    return out


def step_order(file: h5py.File) -> list:
    """Step names by their step_index attribute."""
    return sorted(file["steps"], key=lambda n: int(file["steps"][n].attrs["step_index"]))


def h5_table(group: h5py.Group) -> pd.DataFrame:
    """A table group read with h5py alone (strings decoded)."""
    return pd.DataFrame({k: text(group[k][()]) if group[k].dtype.kind == "S" else group[k][()]
                         for k in group if group[k].shape == group["label"].shape})


class RealSeriesFiles(unittest.TestCase):

    def setUp(self):
        self.files = series_files(self)

    def test_read_series_tables_equal_the_datasets(self):
        for name, path in self.files.items():
            with self.subTest(file=name), h5py.File(path, "r") as file:
                expected = dataset_tables(file, "series")
                tables = grapes_hpc.read_series(path)
                self.assertEqual(set(tables), set(expected))
                for key, (columns, data) in expected.items():
                    table = tables[key]
                    self.assertEqual(list(table.columns), columns, key)
                    for column, values in data.items():
                        got = table[column].to_numpy()
                        if values.dtype.kind == "S":
                            self.assertEqual(list(got), text(values), f"{key}/{column}")
                            self.assertTrue(all(isinstance(v, str) for v in got))
                        else:
                            self.assertEqual(got.dtype, values.dtype, f"{key}/{column}")
                            np.testing.assert_array_equal(got, values, f"{key}/{column}")

    def test_tables_and_attributes_of_each_mode(self):
        expected = {"operando.h5": ("operando", OPERANDO_TABLES),
                    "exsitu.h5": ("exsitu", {"radial/pristine", "radial/cycled", "radial_z"}),
                    "matching.h5": ("operando", OPERANDO_TABLES | {"matching"})}
        for name, path in self.files.items():
            with self.subTest(file=name):
                mode, keys = expected[name]
                attrs = grapes_hpc.read_attrs(path)
                self.assertEqual(attrs["series_mode"], mode)
                self.assertIsInstance(attrs["summary"], str)
                self.assertIn("GRAPES-HPC", attrs["summary"])
                self.assertEqual(set(grapes_hpc.read_series(path)), keys)

    def test_steps_in_order_with_their_attributes(self):
        configured = {"operando.h5": ["pristine", "4.2V", "4.4V", "discharged"],
                      "exsitu.h5": ["pristine", "cycled"],
                      "matching.h5": ["pristine", "charged", "overcharged"]}
        for name, path in self.files.items():
            with self.subTest(file=name), h5py.File(path, "r") as file:
                self.assertEqual(grapes_hpc.list_steps(path), configured[name])
                self.assertEqual(step_order(file), configured[name])
                steps = grapes_hpc.series_steps(path)
                self.assertEqual(list(steps["name"]), configured[name])
                for row in steps.itertuples():
                    group = file["steps"][row.name]
                    self.assertEqual(row.step_index, group.attrs["step_index"])
                    self.assertEqual(row.particles, group["particles/label"].shape[0])
                    for key in ("step_soc", "sigma_bg"):
                        value = getattr(row, key)
                        if key in group.attrs:
                            self.assertEqual(value, group.attrs[key])
                        else:
                            self.assertTrue(math.isnan(value))
                    result = grapes_hpc.read(path, step=row.name)
                    self.assertEqual(result.step, row.name)
                    self.assertEqual(result.attrs["step_name"], row.name)
                    self.assertEqual(result.attrs["step_index"], row.step_index)
                    np.testing.assert_array_equal(result.attrs["shape"], group.attrs["shape"])
                self.assertEqual(grapes_hpc.read(path, step=-1).step, configured[name][-1])

    def test_read_step_equals_the_step_datasets(self):
        for name, path in self.files.items():
            for step in grapes_hpc.list_steps(path):
                with self.subTest(file=name, step=step), h5py.File(path, "r") as file:
                    result = grapes_hpc.read(path, step=step)
                    group = file["steps"][step]
                    particles = group["particles"]
                    np.testing.assert_array_equal(result.particles.index, particles["label"][()])
                    for column in result.particles.columns:
                        np.testing.assert_array_equal(result.particles[column].to_numpy(),
                                                      particles[column][()], column)
                    np.testing.assert_array_equal(result.layer_offset,
                                                  particles["layer_offset"][()])
                    for column in result.layers.columns:
                        np.testing.assert_array_equal(result.layers[column].to_numpy(),
                                                      group["layers"][column][()], column)
                    self.assertEqual(len(result.adjacency), group["adjacency/label_a"].shape[0])

    def test_to_grapes_rows_and_lists_equal_particles_and_layers(self):
        for name, path in self.files.items():
            for step in grapes_hpc.list_steps(path):
                with self.subTest(file=name, step=step):
                    self.check_rows(path, step)

    def check_rows(self, path, step):
        df = grapes_hpc.to_grapes(path, step=step)
        with h5py.File(path, "r") as file:
            group = file["steps"][step]
            particles = {k: group["particles"][k][()] for k in group["particles"]}
            layers = {k: group["layers"][k][()] for k in group["layers"]}
        self.assertEqual(len(df), particles["label"].shape[0])
        for column in grapes_hpc.GRAPES_COLUMNS:
            np.testing.assert_array_equal(df[column].to_numpy(), particles[column], column)
        if "reference_label" in particles:  # label matching adds it to the steps' particles
            np.testing.assert_array_equal(df["reference_label"], particles["reference_label"])
        offset = particles["layer_offset"]
        for i, row in enumerate(df.itertuples()):
            rows = slice(offset[i], offset[i + 1])
            np.testing.assert_array_equal(layers["label"][rows], row.label)
            np.testing.assert_array_equal(row.radial_layers, layers["layer"][rows])
            np.testing.assert_array_equal(row.radial_layers_graylevel, layers["graylevel"][rows])
            np.testing.assert_array_equal(row.radial_layers_graylevelnormed,
                                          layers["graylevel_normed"][rows])
            np.testing.assert_array_equal(row.radial_layers_count, layers["count"][rows])
        self.assertEqual(sum(len(a) for a in df["radial_layers"]), layers["label"].shape[0])


class RealSeriesStatistics(unittest.TestCase):
    """The statistics of the series file against numpy/pandas on its own step tables."""

    def setUp(self):
        self.files = series_files(self)

    def operando(self, name):
        path = self.files[name]
        with h5py.File(path, "r") as file:
            steps = step_order(file)
            particles = {s: h5_table(file["steps"][s]["particles"]) for s in steps}
        return path, steps, particles, grapes_hpc.read_series(path)

    def test_values_are_the_kept_particles_core_means(self):
        for name in ("operando.h5", "matching.h5"):
            with self.subTest(file=name):
                _, steps, particles, series = self.operando(name)
                values = series["values"]
                for step in steps:
                    p = particles[step]
                    key = "reference_label" if "reference_label" in p else "label"
                    p = p.set_index(key).loc[values["label"]]
                    np.testing.assert_array_equal(values[f"I_{step}"], p["core_mean"])
                    np.testing.assert_array_equal(values[f"n_{step}"], p["core_voxels"])
                    self.assertFalse(p["touches_border"].any())
                removed = series["removed"]
                reference = set(particles[steps[0]]["label"])
                kept = set(values["label"])
                self.assertEqual(kept | set(removed["label"]), reference | set(removed["label"]))
                self.assertFalse(kept & set(removed["label"]))
                self.assertTrue(set(removed["rule"]) <= {"inconsistent", "next_to_inconsistent",
                                                         "border", "no_core", "small"})

    def test_step_statistics(self):
        for name in ("operando.h5", "matching.h5"):
            with self.subTest(file=name):
                _, steps, _, series = self.operando(name)
                table, values = series["steps"], series["values"]
                self.assertEqual(list(table["name"]), steps)
                reference = values[f"I_{steps[0]}"]
                for row in table.itertuples():
                    i = values[f"I_{row.name}"]
                    n = len(i)
                    self.assertEqual(row.n, n)
                    self.assertAlmostEqual(row.mean, i.mean(), delta=1e-9 * abs(i.mean()))
                    self.assertAlmostEqual(row.sd, i.std(ddof=1), delta=1e-9 * i.std())
                    self.assertAlmostEqual(row.ses, i.std(ddof=1) / math.sqrt(n), delta=1e-9)
                    delta = i - reference
                    self.assertAlmostEqual(row.delta_mean, delta.mean(), delta=1e-9)
                    if row.step == 0:
                        self.assertTrue(math.isnan(row.z))
                        continue
                    z = (i.mean() - reference.mean()) / math.sqrt(i.var(ddof=1) / n +
                                                                  reference.var(ddof=1) / n)
                    self.assertAlmostEqual(row.z, z, delta=1e-9 * abs(z))
                    self.assertAlmostEqual(row.p_two, math.erfc(abs(z) / math.sqrt(2)),
                                           delta=1e-12)
                    paired = delta.mean() / (delta.std(ddof=1) / math.sqrt(n))
                    self.assertAlmostEqual(row.z_paired, paired, delta=1e-9 * abs(paired))

    def test_conditions_and_quartiles(self):
        _, steps, particles, series = self.operando("operando.h5")
        values = series["values"]
        conditions = series["conditions"]
        self.assertEqual(list(conditions["name"]), ["charge_darkens", "discharge_recovers"])
        for row in conditions.itertuples():
            self.assertIn(row.step_a, steps)  # step names, not indices
            self.assertIn(row.step_b, steps)
            a, b = values[f"I_{row.step_a}"], values[f"I_{row.step_b}"]
            fraction = float(((a > b) if row.op == ">" else (a < b)).mean())
            self.assertAlmostEqual(row.fraction, fraction, delta=1e-12)
            self.assertAlmostEqual(row.se, math.sqrt(fraction * (1 - fraction) / len(a)),
                                   delta=1e-12)
        quartiles = series["quartiles"]
        self.assertEqual(list(quartiles.columns),
                         ["quartile", "step", "n", "delta_mean", "delta_se_tot", "z_paired",
                          "df_paired", "p_paired_t_two"])
        self.assertEqual(sorted(quartiles["quartile"].unique()), [1, 2, 3, 4])
        # Q1 is farthest from the collector (high x): the lowest reference centroid-2.
        x = particles[steps[0]].set_index("label").loc[values["label"], "centroid-2"].to_numpy()
        q = pd.qcut(x, 4, labels=False) + 1  # collector at high x: Q1 = lowest x
        for step in range(len(steps)):
            rows = quartiles[quartiles["step"] == step].set_index("quartile")
            self.assertEqual(rows["n"].sum(), len(values))
            delta = (values[f"I_{steps[step]}"] - values[f"I_{steps[0]}"]).to_numpy()
            for quartile in range(1, 5):
                members = delta[q == quartile]
                self.assertEqual(rows.loc[quartile, "n"], len(members))
                self.assertAlmostEqual(rows.loc[quartile, "delta_mean"], members.mean(),
                                       delta=1e-9)
        radial = series["radial_delta"]
        self.assertEqual(set(radial["depth_kind"]), {"layer", "relative"})
        self.assertTrue(radial.loc[radial["depth_kind"] == "relative", "depth"].between(0, 9).all())

    def test_exsitu_profiles_are_grapes_radial_layers_quartiles(self):
        """GRAPES's helpers with flat profiles left out (exsitu.exclude_flat, the default)."""
        path = self.files["exsitu.h5"]
        series = grapes_hpc.read_series(path)
        for dataset in grapes_hpc.list_steps(path):
            with self.subTest(dataset=dataset):
                result = grapes_hpc.read(path, step=dataset)
                clean = result.particles[~result.particles["touches_border"]]
                table = series[f"radial/{dataset}"]
                # all: volume above the 0.5 quantile (exsitu.volume_quantile of the example)
                large = clean.index[clean["volume"] > clean["volume"].quantile(0.5)]
                ours = grapes_hpc.radial_profile(result, labels=large, exclude_flat=True)
                self.compare(table[table["group"] == "all"], ours)
                by_volume = grapes_hpc.radial_profile(result, labels=clean.index, by="volume",
                                                      exclude_flat=True)
                for group in range(4):
                    self.compare(table[table["group"] == f"volume_q{group + 1}"],
                                 by_volume[by_volume["group"] == group])
        z = series["radial_z"]
        self.assertEqual(set(zip(z["dataset_a"], z["dataset_b"])), {("pristine", "cycled")})

    def exsitu_all_profiles(self, path, dataset):
        """{label: graylevel_normed profile} of the `all` group (border-cleaned, volume above
        the 0.5 quantile), flat ones left out, read with h5py alone; and the flat count."""
        with h5py.File(path, "r") as file:
            particles = h5_table(file["steps"][dataset]["particles"])
            layers = file["steps"][dataset]["layers"]
            label, normed = layers["label"][()], layers["graylevel_normed"][()]
        clean = particles[particles["touches_border"] == 0]
        volume = clean["volume"].to_numpy()
        large = set(clean["label"][volume > np.quantile(volume, 0.5)])
        profiles = {}
        for value in np.unique(label):
            profiles[value] = normed[label == value]  # rows are in layer order
        flat = {v for v in set(clean["label"]) if v in profiles and not profiles[v].any()}
        kept = {v: p for v, p in profiles.items() if v in large and v not in flat}
        return kept, len(flat)

    def test_exsitu_mean_profile_without_flat_ones_is_numpy(self):
        path = self.files["exsitu.h5"]
        series = grapes_hpc.read_series(path)
        with h5py.File(path, "r") as file:
            for dataset in grapes_hpc.list_steps(path):
                with self.subTest(dataset=dataset):
                    profiles, flat = self.exsitu_all_profiles(path, dataset)
                    attrs = file["series"]["radial"][dataset].attrs
                    self.assertEqual(attrs["flat_profiles"], flat)
                    self.assertEqual(attrs["flat_profiles_excluded"], flat)
                    profile = attrs["profile"]
                    self.assertEqual(profile.decode() if isinstance(profile, bytes) else profile,
                                     "graylevel_normed")
                    self.assertIn(f"flat profiles (graylevel_normed all 0): {flat}",
                                  grapes_hpc.read_attrs(path)["summary"])
                    table = series[f"radial/{dataset}"]
                    table = table[table["group"] == "all"].reset_index(drop=True)
                    depth = max(len(p) for p in profiles.values())
                    self.assertEqual(list(table["layer"]), list(range(1, depth + 1)))
                    for row in table.itertuples():
                        values = np.array([p[row.layer - 1] for p in profiles.values()
                                           if len(p) >= row.layer])
                        self.assertEqual(row.n, len(values))
                        np.testing.assert_allclose(row.mean, values.mean(), rtol=1e-12,
                                                   atol=1e-15)
                        np.testing.assert_allclose(row.std, values.std(), rtol=1e-9, atol=1e-14)
                        if len(values) < 2:
                            self.assertTrue(math.isnan(row.se))
                        else:
                            np.testing.assert_allclose(row.se, values.std() / math.sqrt(
                                len(values)), rtol=1e-9, atol=1e-14)
            # The shipped example's blurred phantom has no flat profiles; the exclusion itself
            # is exercised on a sharp phantom by tests/cli/test_series.sh.

    def test_exsitu_radial_z_is_scipy_welch(self):
        try:
            from scipy import stats
        except ImportError:
            self.skipTest("scipy not installed")
        path = self.files["exsitu.h5"]
        z = grapes_hpc.read_series(path)["radial_z"]
        self.assertEqual(list(z.columns), ["dataset_a", "dataset_b", "layer", "z", "df", "p_two"])
        a, _ = self.exsitu_all_profiles(path, "pristine")
        b, _ = self.exsitu_all_profiles(path, "cycled")
        worst, checked = 0.0, 0
        for row in z.itertuples():
            va = np.array([p[row.layer - 1] for p in a.values() if len(p) >= row.layer])
            vb = np.array([p[row.layer - 1] for p in b.values() if len(p) >= row.layer])
            with np.errstate(all="ignore"), warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)  # n < 2, zero spread: NaN
                ref = stats.ttest_ind(vb, va, equal_var=False)
                sa, sb = va.var(ddof=1) / len(va), vb.var(ddof=1) / len(vb)
                df = (sa + sb) ** 2 / (sa ** 2 / (len(va) - 1) + sb ** 2 / (len(vb) - 1))
            for ours, theirs in ((row.z, ref.statistic), (row.df, df), (row.p_two, ref.pvalue)):
                if not np.isfinite(theirs):
                    self.assertEqual(np.isnan(ours), np.isnan(theirs), row)
                    continue
                worst = max(worst, abs(ours - theirs) / abs(theirs) if theirs else abs(ours))
                checked += 1
        self.assertGreater(checked, 30)
        self.assertLess(worst, 1e-9)
        print(f"radial_z vs scipy ttest_ind(equal_var=False): {checked} values, max relative "
              f"error {worst:.3g}")

    def compare(self, table, ours):
        table, ours = table.reset_index(drop=True), ours.reset_index(drop=True)
        np.testing.assert_array_equal(table["layer"], ours["layer"])
        np.testing.assert_array_equal(table["n"], ours["n"])
        for column in ("mean", "std", "se"):
            np.testing.assert_allclose(table[column], ours[column], rtol=1e-9, atol=1e-12)

    def test_matching_pairs_the_steps_labels(self):
        path = self.files["matching.h5"]
        matching = grapes_hpc.read_series(path)["matching"]
        self.assertTrue(set(matching["status"]) <= {"matched", "split", "merged", "unmatched"})
        self.assertTrue(((matching["iou"] >= 0) & (matching["iou"] <= 1)).all())
        steps = grapes_hpc.list_steps(path)
        for index, step in enumerate(steps[1:], start=1):
            particles = grapes_hpc.read(path, step=step).particles
            rows = matching[(matching["step"] == index) & (matching["status"] == "matched")]
            self.assertGreater(len(rows), 0)
            self.assertTrue((rows["iou"] >= 0.5).all())  # series.match.min_iou of the example
            np.testing.assert_array_equal(
                particles.loc[rows["step_label"].to_numpy(), "reference_label"],
                rows["reference_label"])


if __name__ == "__main__":
    unittest.main()
