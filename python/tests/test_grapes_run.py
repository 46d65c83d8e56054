"""grapes_hpc on files written by the real ``grapes run``, at 1 and 2 MPI ranks."""

import os
import unittest

import h5py
import numpy as np
import pandas as pd

from helpers import grapes_results
import grapes_reference as gp

import grapes_hpc


class RealResults(unittest.TestCase):
    """to_grapes rows and lists equal /particles and /layers row for row."""

    def setUp(self):
        self.folder = grapes_results(self)

    def files(self):
        """The result files present (np2 needs mpiexec)."""
        names = [n for n in ("demo_np1.h5", "demo_np2.h5")
                 if os.path.exists(os.path.join(self.folder, n))]
        self.assertIn("demo_np1.h5", names)
        return [os.path.join(self.folder, n) for n in names]

    def check_rows(self, path):
        """Every to_grapes row against the datasets read with h5py."""
        df = grapes_hpc.to_grapes(path)
        with h5py.File(path, "r") as file:
            particles = {name: file["particles"][name][()] for name in file["particles"]}
            layers = {name: file["layers"][name][()] for name in file["layers"]}
        self.assertEqual(len(df), particles["label"].shape[0])
        for name in grapes_hpc.GRAPES_COLUMNS:
            np.testing.assert_array_equal(df[name].to_numpy(), particles[name], err_msg=name)
        offset = particles["layer_offset"]
        for i, row in enumerate(df.itertuples()):
            rows = slice(offset[i], offset[i + 1])
            np.testing.assert_array_equal(layers["label"][rows], row.label)
            np.testing.assert_array_equal(row.radial_layers, layers["layer"][rows])
            np.testing.assert_array_equal(row.radial_layers_graylevel, layers["graylevel"][rows])
            np.testing.assert_array_equal(row.radial_layers_graylevelnormed,
                                          layers["graylevel_normed"][rows])
        self.assertEqual(sum(len(a) for a in df["radial_layers"]), layers["label"].shape[0])

    def test_rows_and_lists(self):
        for path in self.files():
            with self.subTest(path=os.path.basename(path)):
                self.check_rows(path)

    def test_same_tables_at_every_rank_count(self):
        files = self.files()
        if len(files) < 2:
            self.skipTest("no 2-rank result (mpiexec missing)")
        one, two = (grapes_hpc.read(p) for p in files)
        self.assertEqual(two.attrs["mpi_ranks"], 2)
        self.assertEqual(one.attrs["mpi_ranks"], 1)
        # Bit-identical at any rank count, every column (docs/METHOD.md).
        pd.testing.assert_frame_equal(one.particles, two.particles, check_exact=True)
        pd.testing.assert_frame_equal(one.layers, two.layers, check_exact=True)
        pd.testing.assert_frame_equal(one.adjacency, two.adjacency, check_exact=True)

    def test_prop_2_image_on_the_phantom_labels(self):
        with h5py.File(os.path.join(self.folder, "phantom.h5"), "r") as file:
            labels = file["labels"][()]
        df = grapes_hpc.to_grapes(os.path.join(self.folder, "demo_np1.h5"))
        image = gp.prop_2_image(labels, df, prop="volume")
        for row in df.sample(20, random_state=1).itertuples():
            mask = labels == row.label
            np.testing.assert_array_equal(image[mask], row.volume)
            self.assertEqual(mask.sum(), row.volume)
        self.assertTrue((image[labels == 0] == 0).all())

    def test_shape_columns_reach_to_grapes(self):
        # The shape columns (docs/OUTPUT.md) follow GRAPES's columns with extra=True, as
        # scikit-image names them, and equal the file's.
        path = os.path.join(self.folder, "demo_np1.h5")
        df = grapes_hpc.to_grapes(path)
        particles = grapes_hpc.read(path).particles
        for name in ("euler_number", "inertia_tensor-0-1", "inertia_tensor_eigvals-0",
                     "axis_major_length", "elongation", "axis-2-2", "area_convex",
                     "solidity", "feret_diameter_max"):
            np.testing.assert_array_equal(df[name].to_numpy(), particles[name].to_numpy())
        self.assertNotIn("euler_number", grapes_hpc.to_grapes(path, extra=False))

    def test_quartiles_of_grapes_helper(self):
        df = grapes_hpc.to_grapes(os.path.join(self.folder, "demo_np1.h5"))
        quartiles = gp.radial_layers_quartiles(df)
        first = quartiles[(quartiles["Property"] == "radial_layers") & (quartiles["Layer"] == 1)]
        self.assertEqual(first["Sample_n"].sum(), len(df))


if __name__ == "__main__":
    unittest.main()
