"""grapes view's server (grapes_hpc.view) through Flask's test client.

Expected values come from h5py/numpy on the same files, never from the server's own code.
Fixtures: synthetic result files (synthetic.py) and a label volume written here with numpy.
"""

import io
import os
import time
import unittest

import h5py
import numpy as np
import pandas as pd

import helpers
import synthetic
from grapes_hpc.view import create_app

TOKEN = "test-token"


class ViewServerTest(unittest.TestCase):
    def setUp(self):
        self.root = helpers.temporary_folder(self)
        self.outside = helpers.temporary_folder(self)
        self.result = os.path.join(self.root, "run.h5")
        synthetic.write_result_file(self.result, n=60)
        with open(os.path.join(self.root, "broken.h5"), "wb") as file:
            file.write(b"not hdf5 at all")
        synthetic.write_result_file(os.path.join(self.outside, "secret.h5"), n=5)
        os.symlink(os.path.join(self.outside, "secret.h5"), os.path.join(self.root, "link.h5"))
        self.client = create_app([self.root], token=TOKEN).test_client()

    def get(self, url, **params):
        params.setdefault("token", TOKEN)
        return self.client.get(url, query_string=params)

    def test_token_required(self):
        self.assertEqual(self.client.get("/api/files").status_code, 403)
        self.assertEqual(self.get("/api/files", token="wrong").status_code, 403)
        self.assertEqual(self.get("/api/files").status_code, 200)

    def test_paths_confined(self):
        for path in (os.path.join(self.root, "..", os.path.basename(self.outside), "secret.h5"),
                     os.path.join(self.outside, "secret.h5"), os.path.join(self.root, "link.h5"),
                     "/etc/passwd"):
            self.assertEqual(self.get("/api/particles", path=path).status_code, 403, path)

    def test_files_lists_damaged_with_error(self):
        files = {f["name"]: f for f in self.get("/api/files").get_json()["files"]}
        self.assertNotIn("link.h5", files)  # the symlink out of the root is not listed
        self.assertIn("not a readable HDF5 file", files["broken.h5"]["error"])
        with h5py.File(self.result) as file:
            self.assertEqual(files["run.h5"]["particles"], file["particles/label"].shape[0])

    def test_sort_filter_page(self):
        with h5py.File(self.result) as file:
            volume = file["particles/volume"][()]
            label = file["particles/label"][()]
        answer = self.get("/api/particles", path=self.result, sort="volume", desc="1",
                          filter="volume > 100 and `centroid-0` >= 0", limit=5).get_json()
        keep = volume > 100
        self.assertEqual(answer["total"], int(keep.sum()))
        column = answer["columns"].index("volume")
        expected = np.sort(volume[keep])[::-1][:5]
        self.assertEqual([row[column] for row in answer["rows"]], expected.tolist())
        self.assertEqual(answer["columns"][0], "label")
        bad = self.get("/api/particles", path=self.result, filter="__import__('os')")
        self.assertEqual(bad.status_code, 400)
        self.assertIn("error", bad.get_json())
        del label

    def test_csv_download(self):
        text = self.get("/api/particles.csv", path=self.result, filter="volume < 300",
                        columns="label,volume").get_data(as_text=True)
        table = pd.read_csv(io.StringIO(text))
        with h5py.File(self.result) as file:
            volume = file["particles/volume"][()]
            label = file["particles/label"][()]
        self.assertEqual(list(table.columns), ["label", "volume"])
        np.testing.assert_array_equal(table["label"], label[volume < 300])

    def test_particle_profile_and_neighbours(self):
        with h5py.File(self.result) as file:
            label = int(file["particles/label"][3])
            offset = file["particles/layer_offset"][()]
            grey = file["layers/graylevel"][offset[3]:offset[4]]
            a, b = file["adjacency/label_a"][()], file["adjacency/label_b"][()]
        answer = self.get("/api/particle", path=self.result, label=label).get_json()
        np.testing.assert_allclose(answer["layers"]["graylevel"], grey)
        expected = sorted(set(b[a == label].tolist()) | set(a[b == label].tolist()))
        self.assertEqual(sorted(n["label"] for n in answer["neighbours"]), expected)
        self.assertEqual(self.get("/api/particle", path=self.result, label=10**9).status_code, 400)

    def test_profiles(self):
        with h5py.File(self.result) as file:
            layer = file["layers/layer"][()]
            normed = file["layers/graylevel_normed"][()]
        answer = self.get("/api/profiles", path=self.result).get_json()
        self.assertAlmostEqual(answer["mean"][0], normed[layer == 1].mean())
        self.assertEqual(answer["n"][0], int((layer == 1).sum()))

    def test_slice_is_a_hyperslab_of_the_label_volume(self):
        with h5py.File(self.result) as file:
            labels = file["particles/label"][()]
            volume_column = file["particles/volume"][()]
        rng = np.random.default_rng(1)
        cube = rng.choice(np.append(labels, 0), size=(6, 7, 8)).astype(np.uint16)
        with h5py.File(os.path.join(self.root, "volume.h5"), "w") as file:
            file["labels"] = cube
        with h5py.File(self.result, "a") as file:
            file.attrs["input_labels"] = "volume.h5:/labels"
        answer = self.get("/api/slice", path=self.result, axis=1, index=4).get_json()
        got = np.frombuffer(__import__("base64").b64decode(answer["labels"]), np.uint32)
        np.testing.assert_array_equal(got.reshape(answer["shape"]), cube[:, 4, :])
        lut = dict(zip(answer["lut_labels"], answer["lut_values"]))
        for label in np.unique(cube[:, 4, :][cube[:, 4, :] > 0]):
            self.assertEqual(lut[int(label)], volume_column[labels == label][0])

    def test_large_table_first_page_fast(self):
        path = os.path.join(self.root, "big.h5")
        n = 327000
        with h5py.File(path, "w") as file:
            synthetic.root_attributes(file, "input: {}\n")
            particles = pd.DataFrame({c: np.arange(1, n + 1, dtype=np.uint64 if c == "label" else np.int64)
                                      for c in synthetic.REQUIRED_PARTICLES}) if hasattr(synthetic, "REQUIRED_PARTICLES") else None
        if particles is None:
            from grapes_hpc._reader import REQUIRED_COLUMNS
            with h5py.File(path, "w") as file:
                synthetic.root_attributes(file, "input: {}\n")
                group = file.create_group("particles")
                for column in REQUIRED_COLUMNS["particles"]:
                    group[column] = np.arange(1, n + 1, dtype=np.uint64 if column == "label" else np.int64)
                group["layer_offset"] = np.zeros(n + 1, dtype=np.int64)
                layers = file.create_group("layers")
                for column in REQUIRED_COLUMNS["layers"]:
                    layers[column] = np.zeros(0, dtype=np.int64)
        start = time.perf_counter()
        answer = self.get("/api/particles", path=path, sort="volume", desc="1", limit=100).get_json()
        elapsed = time.perf_counter() - start
        self.assertEqual(answer["total"], n)
        self.assertEqual(answer["rows"][0][answer["columns"].index("volume")], n)
        self.assertLess(elapsed, 1.0)


if __name__ == "__main__":
    unittest.main()
