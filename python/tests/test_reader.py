"""grapes_hpc.read / read_series / read_attrs on synthetic files, good and broken."""

import os
import unittest

import h5py
import numpy as np

from helpers import temporary_folder
import synthetic

import grapes_hpc
from grapes_hpc import GrapesFileError


class ReadResult(unittest.TestCase):
    """A single-run result file: tables, index, dtypes, attributes."""

    def setUp(self):
        self.folder = temporary_folder(self)
        self.path = os.path.join(self.folder, "run.h5")
        synthetic.write_result_file(self.path)

    def test_tables_match_the_datasets(self):
        result = grapes_hpc.read(self.path)
        with h5py.File(self.path, "r") as file:
            labels = file["particles/label"][()]
            self.assertEqual(result.particles.index.name, "label")
            np.testing.assert_array_equal(result.particles.index.to_numpy(), labels)
            np.testing.assert_array_equal(result.particles["volume"], file["particles/volume"][()])
            np.testing.assert_array_equal(result.layers.index.to_numpy(), file["layers/label"][()])
            np.testing.assert_array_equal(result.layers["graylevel"], file["layers/graylevel"][()])
            np.testing.assert_array_equal(result.layer_offset, file["particles/layer_offset"][()])
            self.assertEqual(len(result.adjacency), file["adjacency/label_a"].shape[0])
        self.assertNotIn("layer_offset", result.particles.columns)
        self.assertEqual(result.particles["touches_border"].dtype, bool)

    def test_column_order_follows_the_columns_attribute(self):
        result = grapes_hpc.read(self.path)
        with h5py.File(self.path, "r") as file:
            listed = file["particles"].attrs["columns"].decode().split(",")
        self.assertEqual(["label"] + list(result.particles.columns),
                         [c for c in listed if c != "layer_offset"])

    def test_attributes(self):
        attrs = grapes_hpc.read(self.path).attrs
        self.assertTrue(attrs["software"].startswith("grapes-hpc"))
        self.assertEqual(attrs["format_version"], 1)
        self.assertIsInstance(attrs["config"], str)
        self.assertEqual(grapes_hpc.read_attrs(self.path)["software"], attrs["software"])

    def test_file_without_format_version_is_version_0(self):
        path = os.path.join(self.folder, "old.h5")
        synthetic.write_result_file(path, version=None)
        self.assertEqual(grapes_hpc.read(path).attrs["format_version"], 0)

    def test_newer_format_version_is_refused(self):
        path = os.path.join(self.folder, "new.h5")
        synthetic.write_result_file(path, version=grapes_hpc.FORMAT_VERSION + 1)
        with self.assertRaisesRegex(GrapesFileError, r"new\.h5.*format_version 2"):
            grapes_hpc.read(path)


class NotAResult(unittest.TestCase):
    """Files that are not grapes results fail with a message naming the file."""

    def setUp(self):
        self.folder = temporary_folder(self)

    def test_missing_file(self):
        with self.assertRaisesRegex(FileNotFoundError, "nothere.h5"):
            grapes_hpc.read(os.path.join(self.folder, "nothere.h5"))

    def test_not_hdf5(self):
        path = os.path.join(self.folder, "notes.h5")
        with open(path, "w") as file:
            file.write("not hdf5\n")
        with self.assertRaisesRegex(GrapesFileError, "notes.h5.*not a readable HDF5"):
            grapes_hpc.read(path)

    def test_hdf5_without_software(self):
        path = os.path.join(self.folder, "tomo.h5")
        with h5py.File(path, "w") as file:
            file["data"] = np.zeros((2, 2, 2), np.float32)
        with self.assertRaisesRegex(GrapesFileError, "tomo.h5.*not a grapes-hpc result.*no 'software'"):
            grapes_hpc.read(path)
        with self.assertRaisesRegex(GrapesFileError, "not a grapes-hpc result"):
            grapes_hpc.read_series(path)

    def test_other_software(self):
        path = os.path.join(self.folder, "other.h5")
        synthetic.write_result_file(path, software="savu 4.2")
        with self.assertRaisesRegex(GrapesFileError, "other.h5.*savu 4.2"):
            grapes_hpc.read(path)


class BrokenTables(unittest.TestCase):
    """A missing column or a column of the wrong length names the dataset."""

    def setUp(self):
        self.folder = temporary_folder(self)
        self.path = os.path.join(self.folder, "run.h5")
        synthetic.write_result_file(self.path)

    def test_missing_listed_column(self):
        with h5py.File(self.path, "a") as file:
            del file["particles/volume"]
        with self.assertRaisesRegex(GrapesFileError, "run.h5.*'/particles/volume'.*missing"):
            grapes_hpc.read(self.path)

    def test_missing_required_column(self):
        with h5py.File(self.path, "a") as file:
            del file["layers/graylevel_normed"]
            file["layers"].attrs["columns"] = np.bytes_("label,layer,count,graylevel,std")
        with self.assertRaisesRegex(GrapesFileError, "/layers/graylevel_normed"):
            grapes_hpc.read(self.path)

    def test_column_of_wrong_length(self):
        with h5py.File(self.path, "a") as file:
            short = file["particles/centroid-1"][:-3]
            del file["particles/centroid-1"]
            file["particles/centroid-1"] = short
        with self.assertRaisesRegex(GrapesFileError, r"'/particles/centroid-1' has \d+ rows"):
            grapes_hpc.read(self.path)

    def test_bad_layer_offset(self):
        with h5py.File(self.path, "a") as file:
            file["particles/layer_offset"][-1] += 1
        with self.assertRaisesRegex(GrapesFileError, "/particles/layer_offset"):
            grapes_hpc.read(self.path)

    def test_layer_offset_rebuilt_when_absent(self):
        expected = grapes_hpc.read(self.path).layer_offset
        with h5py.File(self.path, "a") as file:
            del file["particles/layer_offset"]
        np.testing.assert_array_equal(grapes_hpc.read(self.path).layer_offset, expected)


class ReadSeries(unittest.TestCase):
    """read_series and read(step=) on a synthetic file in docs/OUTPUT.md's layout."""

    @classmethod
    def setUpClass(cls):
        import tempfile
        cls.folder = tempfile.mkdtemp(prefix="grapes-py-series-")
        cls.path = os.path.join(cls.folder, "series.h5")
        cls.model = synthetic.write_series_file(cls.path)

    @classmethod
    def tearDownClass(cls):
        import shutil
        shutil.rmtree(cls.folder, True)

    def test_every_series_table(self):
        series = grapes_hpc.read_series(self.path)
        self.assertEqual(set(series), {"steps", "values", "removed", "conditions", "quartiles",
                                       "radial_delta"})
        self.assertEqual(list(series["steps"]["name"]), synthetic.STEPS)
        self.assertEqual(series["radial_delta"]["depth"].dtype, np.int64)

    def test_nested_tables_are_keyed_by_their_path(self):
        path = os.path.join(self.folder, "nested.h5")
        synthetic.write_series_file(path, n=40)
        with h5py.File(path, "a") as file:
            synthetic.write_table(file.create_group("series/radial/prist/deeper"),
                                  synthetic.pd.DataFrame({"layer": [1, 2], "mean": [0.0, 0.5]}))
        series = grapes_hpc.read_series(path)
        self.assertIn("radial/prist/deeper", series)
        self.assertEqual(list(series["radial/prist/deeper"]["mean"]), [0.0, 0.5])

    def test_series_steps_in_step_order_with_their_attributes(self):
        steps = grapes_hpc.series_steps(self.path)  # the groups were created in reverse order
        self.assertEqual(list(steps["name"]), synthetic.STEPS)
        self.assertEqual(list(steps["step_index"]), [0, 1, 2, 3])
        self.assertEqual(list(steps["step_soc"]), [synthetic.SOC[n] for n in synthetic.STEPS])
        self.assertEqual(list(steps["sigma_bg"]), [synthetic.SIGMA_BG] * 4)
        self.assertEqual(steps["particles"].iloc[0], len(self.model["tables"]["prist"][0]))

    def test_values_and_strings(self):
        series = grapes_hpc.read_series(self.path)
        np.testing.assert_allclose(series["values"]["I_4.4V"], self.model["values"]["I_4.4V"])
        removed = series["removed"]  # variable-length strings
        self.assertEqual(sorted(set(removed["rule"])), sorted({r for _, r, _ in self.model["removed"]}))
        self.assertIsInstance(removed["rule"].iloc[0], str)
        self.assertIsInstance(series["conditions"]["op"].iloc[0], str)  # fixed-length
        self.assertIsInstance(series["radial_delta"]["depth_kind"].iloc[0], str)

    def test_steps(self):
        self.assertEqual(grapes_hpc.list_steps(self.path), synthetic.STEPS)
        by_name = grapes_hpc.read(self.path, step="4.4V")
        by_index = grapes_hpc.read(self.path, step=2)
        self.assertEqual(by_name.step, "4.4V")
        self.assertEqual(by_name.attrs["step_index"], 2)  # the step's attributes over the root's
        self.assertEqual(by_name.attrs["step_soc"], 4.4)
        self.assertEqual(by_name.attrs["series_mode"], "operando")
        np.testing.assert_array_equal(by_name.particles["core_mean"], by_index.particles["core_mean"])
        expected = self.model["tables"]["4.4V"][0]["core_mean"].to_numpy()
        np.testing.assert_allclose(by_name.particles["core_mean"], expected)

    def test_step_errors_list_the_steps(self):
        with self.assertRaisesRegex(GrapesFileError, r"series file.*step=.*prist"):
            grapes_hpc.read(self.path)
        with self.assertRaisesRegex(GrapesFileError, r"no step '5V'.*4\.4V"):
            grapes_hpc.read(self.path, step="5V")
        with self.assertRaisesRegex(GrapesFileError, "out of range"):
            grapes_hpc.read(self.path, step=9)

    def test_result_file_is_not_a_series(self):
        path = os.path.join(self.folder, "run.h5")
        synthetic.write_result_file(path)
        with self.assertRaisesRegex(GrapesFileError, "run.h5.*no '/series' group"):
            grapes_hpc.read_series(path)


if __name__ == "__main__":
    unittest.main()
