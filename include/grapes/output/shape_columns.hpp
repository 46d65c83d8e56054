#pragma once
// Stage "tables", shape part (docs/METHOD.md, "Shape"): the moment columns of /particles,
// computed on the label's owner from its merged integer moment sums, and the Euler number the
// merge formed from the surface cells. One particle's columns depend only on its merged record,
// so they are bit-identical at any decomposition.
#include <array>
#include <vector>

#include "grapes/core/records.hpp"
#include "grapes/core/types.hpp"
#include "grapes/output/column_table.hpp"

namespace grapes {

// The principal-axis quantities of one particle, physical units (voxel_size applied).
struct ParticleShape {
  double inertia_tensor[3][3] = {};    // scikit-image's inertia_tensor (units^2)
  double inertia_eigenvalues[3] = {};  // descending
  double axis_major_length = 0.0;      // scikit-image's 3-D formula
  double axis_minor_length = 0.0;
  double elongation = 0.0;                // ITK's sqrt(c0 / c1), NaN when c1 == 0
  double flatness = 0.0;                  // ITK's sqrt(c1 / c2), NaN when c2 == 0
  double covariance_eigenvalues[3] = {};  // c0 >= c1 >= c2
  double axes[3][3] = {};                 // axes[k]: unit eigenvector of c_k (z, y, x)
};

ParticleShape particle_shape(const ParticleRecord& p, const Spacing3& voxel_size);

// The shape columns of /particles, in file order (docs/OUTPUT.md): euler_number,
// inertia_tensor-i-j (i <= j), inertia_tensor_eigvals-k, axis_major_length, axis_minor_length,
// elongation, flatness, axis-k-c, and the convex hull's area_convex, convex_volume, solidity,
// feret_diameter_max.
class ShapeColumns {
 public:
  // `convex_hull`: with the hull columns (analysis.convex_hull).
  ShapeColumns(Table& table, bool convex_hull);
  // Appends one row; returns false when elongation or flatness is undefined (NaN).
  bool add(const ParticleRecord& p, const Spacing3& voxel_size);

 private:
  void add_hull(const ParticleRecord& p, const Spacing3& voxel_size);

  std::vector<std::int64_t>* euler_number_;
  std::array<std::vector<double>*, 6> inertia_tensor_{};  // (0,0) (0,1) (0,2) (1,1) (1,2) (2,2)
  std::array<std::vector<double>*, 3> eigenvalues_{};
  std::vector<double>* axis_major_length_;
  std::vector<double>* axis_minor_length_;
  std::vector<double>* elongation_;
  std::vector<double>* flatness_;
  std::array<std::vector<double>*, 9> axes_{};  // axis-k-c at 3 k + c
  bool convex_hull_;
  std::vector<std::int64_t>* area_convex_ = nullptr;
  std::vector<double>* convex_volume_ = nullptr;
  std::vector<double>* solidity_ = nullptr;
  std::vector<double>* feret_diameter_max_ = nullptr;
};

}  // namespace grapes
