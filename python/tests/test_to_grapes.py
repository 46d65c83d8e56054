"""to_grapes: GRAPES's DataFrame shape, and GRAPES's own helpers running on it."""

import os
import unittest
import warnings

import h5py
import numpy as np
import pandas as pd

from helpers import temporary_folder
import grapes_reference as gp
import synthetic

import grapes_hpc


def layers_by_label(path, column, base=""):
    """``{label: array}`` of one /layers column, read with h5py alone (no grapes_hpc)."""
    with h5py.File(path, "r") as file:
        labels = file[f"{base}layers/label"][()]
        values = file[f"{base}layers/{column}"][()]
    return {int(label): values[labels == label] for label in np.unique(labels)}


class ToGrapesShape(unittest.TestCase):
    """Columns, order, index and cell types are GRAPES's."""

    def setUp(self):
        self.path = os.path.join(temporary_folder(self), "run.h5")
        synthetic.write_result_file(self.path, n=80)
        self.df = grapes_hpc.to_grapes(self.path)

    def test_grapes_columns_in_grapes_order(self):
        expected = list(grapes_hpc.GRAPES_COLUMNS) + list(grapes_hpc.GRAPES_LIST_COLUMNS.values())
        self.assertEqual(list(self.df.columns[:len(expected)]), expected)
        self.assertIsInstance(self.df.index, pd.RangeIndex)
        self.assertEqual(self.df["label"].dtype, np.int64)

    def test_without_extra_columns(self):
        df = grapes_hpc.to_grapes(self.path, extra=False)
        self.assertEqual(len(df.columns), len(grapes_hpc.GRAPES_COLUMNS) + 3)

    def test_cells_are_numpy_arrays_of_the_layers(self):
        graylevel = layers_by_label(self.path, "graylevel")
        normed = layers_by_label(self.path, "graylevel_normed")
        count = layers_by_label(self.path, "count")
        for row in self.df.itertuples():
            self.assertIsInstance(row.radial_layers, np.ndarray)
            np.testing.assert_array_equal(row.radial_layers, np.arange(1, len(row.radial_layers) + 1))
            np.testing.assert_array_equal(row.radial_layers_graylevel, graylevel[row.label])
            np.testing.assert_array_equal(row.radial_layers_graylevelnormed, normed[row.label])
            np.testing.assert_array_equal(row.radial_layers_count, count[row.label])
            self.assertEqual(len(row.radial_layers), row.n_layers)

    def test_accepts_a_read_result(self):
        result = grapes_hpc.read(self.path)
        pd.testing.assert_frame_equal(grapes_hpc.to_grapes(result), self.df)

    def test_series_step(self):
        path = os.path.join(os.path.dirname(self.path), "series.h5")
        synthetic.write_series_file(path, n=60)
        df = grapes_hpc.to_grapes(path, step="4.4V")
        normed = layers_by_label(path, "graylevel_normed", base="steps/4.4V/")
        self.assertEqual(len(df), len(normed))
        for row in df.itertuples():
            np.testing.assert_array_equal(row.radial_layers_graylevelnormed, normed[row.label])


class GrapesHelpers(unittest.TestCase):
    """GRAPES's radial_layers_quartiles/deciles and prop_2_image run on to_grapes output."""

    def setUp(self):
        self.path = os.path.join(temporary_folder(self), "run.h5")
        synthetic.write_result_file(self.path, n=120)
        self.df = grapes_hpc.to_grapes(self.path)

    def test_radial_layers_quartiles_agrees_with_radial_profile(self):
        quartiles = gp.radial_layers_quartiles(self.df, prop="volume")
        self.assertEqual(set(quartiles["Property"]), set(grapes_hpc.GRAPES_LIST_COLUMNS.values()))
        ours = grapes_hpc.radial_profile(self.path, by="volume")
        theirs = quartiles[quartiles["Property"] == "radial_layers_graylevelnormed"]
        self.assertEqual(len(ours), len(theirs))
        np.testing.assert_array_equal(ours["group"], theirs["Quartile"])
        np.testing.assert_array_equal(ours["layer"], theirs["Layer"])
        np.testing.assert_array_equal(ours["n"], theirs["Sample_n"])
        np.testing.assert_allclose(ours["mean"], theirs["Mean"], rtol=1e-12, atol=1e-14)
        np.testing.assert_allclose(ours["std"], theirs["Std"], rtol=1e-9, atol=1e-12)
        # GRAPES gives SE = 0 for one particle; we give NaN (no standard error at n = 1).
        many = ours["n"].to_numpy() >= 2
        np.testing.assert_allclose(ours["se"][many], theirs["SE"].to_numpy()[many], rtol=1e-9,
                                   atol=1e-12)
        self.assertTrue(ours["se"][~many].isna().all())
        np.testing.assert_array_equal(theirs["SE"].to_numpy()[~many], 0.0)

    def test_radial_layers_deciles(self):
        deciles = gp.radial_layers_deciles(self.df, prop="equivalent_diameter_volume")
        self.assertEqual(sorted(deciles["Decile"].unique()), list(range(10)))
        self.assertTrue((deciles["Sample_n"] > 0).all())

    def test_prop_2_image(self):
        labels = self.df["label"].to_numpy()
        image = np.zeros((4, 5, len(labels)), dtype=np.uint16)
        image[1:3, 1:4, :] = labels  # every particle owns a little block
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            mapped = gp.prop_2_image(image, self.df, prop="intensity_mean")
        # GRAPES always warns that the background (0) is not in its table; nothing else.
        self.assertEqual([str(w.message)[-3:] for w in caught], ["[0]"])
        np.testing.assert_array_equal(mapped[0], 0)
        np.testing.assert_array_equal(mapped[2, 2], self.df["intensity_mean"].to_numpy())

    def test_empty_layers_like_grapes(self):
        """A particle without layers gets empty arrays, which GRAPES's helpers skip."""
        with h5py.File(self.path, "r") as file:
            first = int(file["particles/label"][0])
        result = grapes_hpc.read(self.path)
        layers = result.layers.drop(index=first)
        offset = np.concatenate([[0], np.cumsum(result.particles.index.map(
            layers.index.value_counts()).fillna(0).astype(int))])
        stripped = result._replace(layers=layers, layer_offset=offset)
        df = grapes_hpc.to_grapes(stripped)
        self.assertEqual(df.loc[0, "radial_layers"].shape, (0,))
        gp.radial_layers_quartiles(df)


if __name__ == "__main__":
    unittest.main()
