#pragma once
// One reader interface for every input backend. A source is opened collectively by all ranks;
// each rank then reads only the box it owns (read_box is collective: every rank calls it,
// possibly with an empty box).
#include <mpi.h>

#include <memory>
#include <string>

#include "grapes/core/types.hpp"
#include "grapes/io/source_spec.hpp"

namespace grapes {

class VolumeSource {
 public:
  virtual ~VolumeSource() = default;
  virtual Index3 shape() const = 0;
  virtual DType dtype() const = 0;
  // For provenance and messages: "prist.h5:/grey", "stack.tif", "phantom(seed=1)".
  virtual std::string describe() const = 0;
  // The configuration key of the volume for messages ("input.labels", a series step's
  // "series.steps[1] (\"4.4V\").labels"); "" when it has none (in-memory sources, phantoms).
  virtual std::string key() const { return ""; }
  // Reads the voxels of `box` (global indices, inside shape()) into `destination`, which holds
  // box.voxels() elements of dtype() in C order (x fastest). Collective over the source's
  // communicator. Throws InputError naming the file on any read failure.
  virtual void read_box(const Box& box, void* destination) = 0;
};

// Opens an on-disk source (hdf5, tiff or raw) collectively on `comm`.
std::unique_ptr<VolumeSource> open_source(const SourceSpec& spec, MPI_Comm comm);

}  // namespace grapes
