"""Writes beamline-style copies of a phantom volume, as docs/BEAMLINE.md describes them.

    make_beamline_fixtures.py PHANTOM.h5 OUT_DIR

From PHANTOM.h5 (/grey uint8, /labels uint16, written by `grapes phantom`) it writes, with
h5py and tifffile only:
  httomo.h5        /data                          float32 grey (an HTTomo output)
  savu.nxs         /entry/final_result_tomo/data  float32 grey in a NeXus tree (Savu)
  recon/           recon_00000.tiff, ...          float32 slices, one per z (tomopy/dxchange)
  labels.tif       uint16 multi-page labels       (a segmentation saved with tifffile)
"""

import os
import sys

import h5py
import numpy as np
import tifffile


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


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
