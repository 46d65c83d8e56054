// Shape columns from the merged moment sums (docs/METHOD.md, "Shape"). The central second
// moments are formed exactly in 128-bit integers, n * sum(a b) - sum(a) sum(b), so the only
// rounding is one division per entry and the columns are the same bits at any decomposition.
#include "grapes/output/shape_columns.hpp"

#include <Eigen/Eigenvalues>

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

namespace grapes {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// index_product_sum slot of the axis pair (a, b): zz, yy, xx, zy, zx, yx.
int product_slot(int a, int b) {
  if (a == b) return a;
  const int low = std::min(a, b), high = std::max(a, b);
  return low == 0 ? (high == 1 ? 3 : 4) : 5;
}

// The population covariance of the voxel coordinates, physical units.
Eigen::Matrix3d covariance(const ParticleRecord& p, const Spacing3& voxel_size) {
  using i128 = __int128;
  const i128 n = p.grey.count;
  const double n2 = static_cast<double>(p.grey.count) * static_cast<double>(p.grey.count);
  Eigen::Matrix3d c;
  for (int a = 0; a < 3; ++a)
    for (int b = 0; b < 3; ++b) {
      const i128 numerator =
          n * p.index_product_sum[product_slot(a, b)] - i128(p.index_sum[a]) * i128(p.index_sum[b]);
      c(a, b) = static_cast<double>(numerator) / n2 * voxel_size[a] * voxel_size[b];
    }
  return c;
}

// Descending eigenvalues (negative rounding clipped to 0) and their unit eigenvectors, each
// with its largest component positive (the first of equal ones): a fixed sign for the tables.
void principal(const Eigen::Matrix3d& m, double (&values)[3], double (*vectors)[3]) {
  const Eigen::SelfAdjointEigenSolver<Eigen::Matrix3d> solver(m);
  for (int k = 0; k < 3; ++k) {
    const int column = 2 - k;  // Eigen's are ascending
    values[k] = std::max(0.0, solver.eigenvalues()(column));
    if (vectors == nullptr) continue;
    Eigen::Vector3d v = solver.eigenvectors().col(column);
    int largest = 0;
    for (int c = 1; c < 3; ++c)
      if (std::abs(v(c)) > std::abs(v(largest))) largest = c;
    if (v(largest) < 0) v = -v;
    for (int c = 0; c < 3; ++c) vectors[k][c] = v(c);
  }
}

// sqrt(numerator / denominator); NaN where the denominator is 0 up to the eigen-solver's
// rounding (a few ulps of the largest eigenvalue): a flat particle, a line, a single voxel.
double ratio_root(double numerator, double denominator, double largest) {
  const double rounding = 16 * std::numeric_limits<double>::epsilon() * largest;
  return denominator > rounding ? std::sqrt(numerator / denominator) : kNaN;
}

}  // namespace

ParticleShape particle_shape(const ParticleRecord& p, const Spacing3& voxel_size) {
  ParticleShape shape;
  const Eigen::Matrix3d c = covariance(p, voxel_size);
  // scikit-image's inertia tensor: trace(C) - C_ii on the diagonal, -C_ij off it.
  const Eigen::Matrix3d inertia = Eigen::Matrix3d::Identity() * c.trace() - c;
  for (int a = 0; a < 3; ++a)
    for (int b = 0; b < 3; ++b) shape.inertia_tensor[a][b] = inertia(a, b);
  principal(inertia, shape.inertia_eigenvalues, nullptr);
  principal(c, shape.covariance_eigenvalues, shape.axes);
  const double* ev = shape.inertia_eigenvalues;
  shape.axis_major_length = std::sqrt(10.0 * std::max(0.0, ev[0] + ev[1] - ev[2]));
  shape.axis_minor_length = std::sqrt(10.0 * std::max(0.0, -ev[0] + ev[1] + ev[2]));
  const double* cv = shape.covariance_eigenvalues;
  shape.elongation = ratio_root(cv[0], cv[1], cv[0]);
  shape.flatness = ratio_root(cv[1], cv[2], cv[0]);
  return shape;
}

ShapeColumns::ShapeColumns(Table& table, bool convex_hull) : convex_hull_(convex_hull) {
  const auto name = [](const char* stem, int i, int j = -1) {
    return std::string(stem) + "-" + std::to_string(i) + (j < 0 ? "" : "-" + std::to_string(j));
  };
  euler_number_ = &table.add<std::int64_t>("euler_number");
  for (int i = 0, slot = 0; i < 3; ++i)
    for (int j = i; j < 3; ++j)
      inertia_tensor_[slot++] = &table.add<double>(name("inertia_tensor", i, j));
  for (int k = 0; k < 3; ++k)
    eigenvalues_[k] = &table.add<double>(name("inertia_tensor_eigvals", k));
  axis_major_length_ = &table.add<double>("axis_major_length");
  axis_minor_length_ = &table.add<double>("axis_minor_length");
  elongation_ = &table.add<double>("elongation");
  flatness_ = &table.add<double>("flatness");
  for (int k = 0; k < 3; ++k)
    for (int c = 0; c < 3; ++c) axes_[3 * k + c] = &table.add<double>(name("axis", k, c));
  if (!convex_hull_) return;
  area_convex_ = &table.add<std::int64_t>("area_convex");
  convex_volume_ = &table.add<double>("convex_volume");
  solidity_ = &table.add<double>("solidity");
  feret_diameter_max_ = &table.add<double>("feret_diameter_max");
}

bool ShapeColumns::add(const ParticleRecord& p, const Spacing3& voxel_size) {
  const ParticleShape shape = particle_shape(p, voxel_size);
  euler_number_->push_back(p.euler_number);
  for (int i = 0, slot = 0; i < 3; ++i)
    for (int j = i; j < 3; ++j) inertia_tensor_[slot++]->push_back(shape.inertia_tensor[i][j]);
  for (int k = 0; k < 3; ++k) eigenvalues_[k]->push_back(shape.inertia_eigenvalues[k]);
  axis_major_length_->push_back(shape.axis_major_length);
  axis_minor_length_->push_back(shape.axis_minor_length);
  elongation_->push_back(shape.elongation);
  flatness_->push_back(shape.flatness);
  for (int k = 0; k < 3; ++k)
    for (int c = 0; c < 3; ++c) axes_[3 * k + c]->push_back(shape.axes[k][c]);
  if (convex_hull_) add_hull(p, voxel_size);
  return !std::isnan(shape.elongation) && !std::isnan(shape.flatness);
}

void ShapeColumns::add_hull(const ParticleRecord& p, const Spacing3& voxel_size) {
  // Every voxel centre lies in its own hull: convex_voxels >= the voxel count >= 1.
  area_convex_->push_back(p.convex_voxels);
  convex_volume_->push_back(static_cast<double>(p.convex_voxels) * voxel_size[0] * voxel_size[1] *
                            voxel_size[2]);
  solidity_->push_back(p.convex_voxels > 0 ? static_cast<double>(p.grey.count) /
                                                 static_cast<double>(p.convex_voxels)
                                           : std::numeric_limits<double>::quiet_NaN());
  feret_diameter_max_->push_back(p.feret_diameter_max);
}

}  // namespace grapes
