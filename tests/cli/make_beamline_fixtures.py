"""Writes beamline-style copies of a phantom volume, as docs/BEAMLINE.md describes them.

    make_beamline_fixtures.py PHANTOM.h5 OUT_DIR

From PHANTOM.h5 (/grey uint8, /labels uint16, written by `grapes phantom`) it writes, with
h5py and tifffile only:
  httomo.h5        /data                          float32 grey (an HTTomo output)
  savu.nxs         /entry/final_result_tomo/data  float32 grey in a NeXus tree (Savu)
  recon/           recon_00000.tiff, ...          float32 slices, one per z (tomopy/dxchange)
  labels.tif       uint16 multi-page labels       (a segmentation saved with tifffile)
  attenuation.h5   /data                          float32 attenuation values made from the
                   8-bit levels g as LO + g / 255 * (HI - LO), with NaN, values below LO and
                   above HI in background voxels (input.grey.rescale maps it back to g)
"""

import os
import sys

import h5py
import numpy as np
import tifffile

#: The attenuation range of attenuation.h5 (the rescale range of the test's configuration).
LO, HI = -0.0021, 0.0083


def main(phantom: str, out: str) -> None:
    with h5py.File(phantom, "r") as file:
        grey = file["grey"][()].astype(np.float32)
        labels = file["labels"][()].astype(np.uint16)
    os.makedirs(os.path.join(out, "recon"), exist_ok=True)
    with h5py.File(os.path.join(out, "httomo.h5"), "w") as file:
        file.create_dataset("data", data=grey, chunks=(1,) + grey.shape[1:])
    with h5py.File(os.path.join(out, "savu.nxs"), "w") as file:
        entry = file.create_group("entry")
        entry.attrs["NX_class"] = "NXentry"
        result = entry.create_group("final_result_tomo")
        result.attrs["NX_class"] = "NXdata"
        result.attrs["signal"] = "data"
        result.create_dataset("data", data=grey)
    for z in range(grey.shape[0]):
        tifffile.imwrite(os.path.join(out, "recon", f"recon_{z:05d}.tiff"), grey[z])
    tifffile.imwrite(os.path.join(out, "labels.tif"), labels)
    attenuation = (LO + grey.astype(np.float64) / 255.0 * (HI - LO)).astype(np.float32)
    background = np.flatnonzero(labels.ravel() == 0)
    flat = attenuation.reshape(-1)
    flat[background[0::7]] = np.nan       # outside the reconstruction circle
    flat[background[1::7]] = LO - 0.004   # below the range: level 0
    flat[background[2::7]] = HI + 0.01    # above the range: the top level
    with h5py.File(os.path.join(out, "attenuation.h5"), "w") as file:
        file.create_dataset("data", data=attenuation, chunks=(4,) + grey.shape[1:])


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
