#pragma once
// The built-in synthetic NMC electrode ("phantom"): a grey-level volume and its label volume
// generated on the fly, so that the whole pipeline can run, be tested and be benchmarked
// without any input file (`input.phantom` in the configuration).
//
// The model (every number below is a pure function of the PhantomSpec, the step and, for
// the per-voxel noise, the global voxel index; every rank builds the same particle list and
// any decomposition of the volume into boxes gives the same voxels):
//
// Geometry. Coordinates are (z, y, x) in voxel units with voxel (z, y, x)'s centre at
// (z, y, x); the image covers [-0.5, n - 0.5) on each axis. Particles are ellipsoids placed
// one after the other (label = placement order, 1..N) until the union of the ellipsoids
// covers about `packing` of the image:
//   - each new centre is drawn inside a still-empty cell of a coarse sampling grid (cells of
//     about radius_mean / 4 voxels), so particles go where there is room;
//   - its equivalent-sphere radius r is log-normal with mean radius_mean and standard
//     deviation radius_sd, clamped to [max(1, 0.3 radius_mean), radius_mean + 4 radius_sd];
//   - moderate overlap is allowed: against every earlier particle j, |c - c_j| >= alpha (r +
//     r_j). When the drawn radius does not fit, it is shrunk to the largest that does, down to
//     0.85 of the drawn radius (the radius distribution is skewed a little towards small
//     particles, which fill the gaps); otherwise the position is rejected and the same radius
//     is tried at a new position. alpha starts at 0.85 and is relaxed (x0.97, never below 0.5)
//     after 300 rejections in a row, so dense targets are reached with more overlap (packing
//     0.6 ends near alpha = 0.65: contact faces of about 0.75 r in radius);
//   - the shape is a rotated ellipsoid of the same volume as the sphere of radius r: semi-axes
//     r (1 + t), r / sqrt(1 + t), r / sqrt(1 + t) with t uniform in [0, elongation], and a
//     uniformly random orientation (random unit quaternion).
// Centres lie inside the image; particles may cross the image faces (partial particles at the
// border, as in a real region of interest).
//
// Contacts. A voxel inside one or more ellipsoids belongs to the particle with the smallest
// power distance r^2 (q^2 - 1), q being the voxel's normalised ellipsoid distance from that
// particle's centre (q < 1 inside). For spheres this is the Laguerre (power) diagram, so
// overlapping particles meet at flat contact faces; every solid voxel is inside its own
// particle's ellipsoid. Ties go to the lower label. A heavily overlapped particle can, rarely,
// end up with no voxel in the image (its label is then simply absent from the volume), as can a
// particle whose voxels all fall outside a small image.
//
// Grey levels. Each particle has a grey level ~ N(grey_mean, grey_sd); the background is
// `background`. A fraction `damage_fraction` of the particles (round(fraction * N) of them,
// chosen from the seed) is damaged: such a particle has a severity s uniform in [0.5, 1] and
// its voxels are darkened by
//     damage_depth * s * damage_scale(step) * (1 - q^2 / 0.36)   for q < 0.6
// (a dark core, deepest at the centre, none in the outer 40% of the radius).
// Boundary (docs/METHOD.md, "The phantom"): a particle voxel at depth d = (1 - q) r below the
// surface (r the equivalent-sphere radius) keeps the fraction f = (1 + erf(d / (sqrt(2) w))) / 2
// of its contrast to the background (1 deeper than 6 w), w = boundary_blur (0: off): the
// partial-volume darkening of absorption CT that makes the surface layer the darkest. phase_fringe
// A adds A exp(-d / phase_fringe_width) on top, the bright rim of synchrotron phase contrast. Every
// voxel then gets Gaussian noise of standard deviation noise_sd, drawn from a hash of (seed, step,
// global voxel index): independent of the decomposition. Values are rounded half up and clamped to
// the output dtype's range (float32/float64: kept unrounded and unclamped).
//
// Operando steps. `step` (>= 0) is the index of a time step of a series. The geometry, labels
// and per-particle grey levels are the same for every step; the damage grows linearly with it,
// damage_scale(step) = step (step 0 is pristine, step 1 has the configured damage_depth, step 2
// twice that, ...) unless `damage_scale` is given (then that multiplier: a value below an
// earlier step's is partial healing), and the noise is drawn afresh for each step. A single
// volume (`grapes run` with `input.phantom`) uses kPhantomDefaultStep = 1: the damage exactly
// as configured.
//
// Series features. `drop_fraction`: each particle's label is left out of a step's label
// volume (its voxels labelled 0, the grey unchanged) with that probability, drawn from a hash
// of (seed, step, particle): labels missing in some steps, as failed seeded segmentations give.
// `clear_box`: no particle whose bounds reach into the box is placed, so the box is pure
// background (background grey + noise), e.g. for a series step's noise box. `permute_labels`
// (a seed, 0 = off): the label volume carries a random permutation of the labels 1..N, as if
// each step had been segmented on its own (geometry and grey levels unchanged).
#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "grapes/core/types.hpp"
#include "grapes/io/phantom_spec.hpp"
#include "grapes/io/source.hpp"

namespace grapes {

// The step used for a single phantom volume: the configured damage, see above.
constexpr int kPhantomDefaultStep = 1;

// One particle of the phantom (for tests, docs and ground-truth comparisons).
struct PhantomParticle {
  std::array<double, 3> centre{};     // (z, y, x), voxel units; voxel v's centre is at v
  std::array<double, 3> semi_axes{};  // principal semi-axes, voxels
  // Row k: the unit vector, in (z, y, x), of the principal axis with semi-axis semi_axes[k].
  std::array<std::array<double, 3>, 3> axes{};
  double radius = 0.0;      // equivalent-sphere radius, cbrt(product of the semi-axes)
  std::uint64_t label = 0;  // 1..N: placement order
  double grey = 0.0;        // the particle's grey level before damage and noise
  bool damaged = false;
  double damage_depth = 0.0;  // grey drop at the centre at step 1 (0 when not damaged)
  Box bounds;                 // global voxels its ellipsoid can reach (may extend beyond the image)
};

// Throws InputError naming "input.phantom.<key>" for any invalid field.
void validate_phantom_spec(const PhantomSpec& spec);

class Phantom {
 public:
  // Per-particle geometry used by fill_box.
  struct Geometry {
    std::array<double, 3> c;  // centre
    std::array<double, 6> m;  // q^2 = d^T M d, M = {zz, zy, zx, yy, yx, xx}
    double r2;                // equivalent radius squared (power-distance scale)
  };

  // Validates the spec (InputError) and generates the particle list (deterministic).
  explicit Phantom(const PhantomSpec& spec);

  const PhantomSpec& spec() const { return spec_; }
  Index3 shape() const { return spec_.shape; }
  std::size_t particle_count() const { return particles_.size(); }
  const std::vector<PhantomParticle>& particles() const { return particles_; }
  // The solid fraction reached by the placement, measured on its coarse sampling grid.
  double placed_fraction() const { return placed_fraction_; }

  // The damage multiplier of an operando step (see the model above): step.
  static double damage_scale(int step);

  // Fills the voxels of `box` (global indices inside shape(), C order, x fastest) for time
  // step `step` (>= 0). Either output may be null (not wanted). Grey values are rounded and
  // clamped to `grey_dtype`; labels are written as `label_dtype` (InputError naming
  // input.phantom.label_dtype when N does not fit). Deterministic: any set of boxes gives the
  // same voxels as one fill of the whole volume. Single-threaded; memory O(box row + box
  // particles).
  void fill_box(const Box& box, int step, void* grey_out, DType grey_dtype, void* labels_out,
                DType label_dtype) const;

 private:
  static Geometry geometry_of(const PhantomParticle& particle);
  // What every voxel of a step's rows needs: the damage multiplier, the dropped and written
  // labels, the noise stream.
  struct RowLook {
    const PhantomSpec& spec;
    double scale;
    std::vector<char> dropped;
    std::vector<std::uint64_t> written;
    std::uint64_t stream;
  };
  double boundary_grey(double particle_grey, double depth) const;
  // Grey values and labels of one row from its owners (find_owners in phantom.cpp).
  void row_values(const RowLook& look, const std::vector<std::int64_t>& owner,
                  const std::vector<double>& q2, std::uint64_t row_index, std::vector<double>& grey,
                  std::vector<std::uint64_t>& labels) const;
  void generate();
  void assign_appearance();
  // Per particle (placement order): whether its label is left out of step `step`'s volume.
  std::vector<char> dropped_labels(int step) const;
  // The label each particle is written with: its placement order, or a permutation of it.
  std::vector<std::uint64_t> written_labels() const;

  PhantomSpec spec_;
  std::vector<PhantomParticle> particles_;
  std::vector<Geometry> geometry_;
  double placed_fraction_ = 0.0;
};

// A VolumeSource over a phantom: shape = spec.shape, dtype = spec.grey_dtype (grey) or
// spec.label_dtype (labels), describe() = "phantom(seed=S, shape=[z, y, x], step=T)".
// read_box fills the requested box; it is not collective (nothing to agree on) and may be
// called by any subset of ranks.
std::unique_ptr<VolumeSource> make_phantom_source(std::shared_ptr<const Phantom> phantom, bool grey,
                                                  int step = kPhantomDefaultStep);
// As above, generating the particle list for this source alone.
std::unique_ptr<VolumeSource> make_phantom_source(const PhantomSpec& spec, bool grey,
                                                  int step = kPhantomDefaultStep);

// Both sources of one step sharing one particle list (generated once per process). Keep
// `phantom` to make the sources of other steps of a series without regenerating it.
struct PhantomSources {
  std::shared_ptr<const Phantom> phantom;
  std::unique_ptr<VolumeSource> grey;
  std::unique_ptr<VolumeSource> labels;
};
PhantomSources make_phantom_sources(const PhantomSpec& spec, int step = kPhantomDefaultStep);

// The paper's benchmark size: 750^3 voxels holding about 10,000 particles of about 25,300
// voxels each (uint8 grey, uint16 labels).
PhantomSpec paper_scale_phantom();

}  // namespace grapes
