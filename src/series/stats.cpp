#include "grapes/series/stats.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace grapes::series {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

double sum_of_squared_deviations(const std::vector<double>& values, double centre) {
  double sum = 0.0;
  for (double v : values) sum += (v - centre) * (v - centre);
  return sum;
}

// numpy.linspace(0, 1, q + 1): i * (1 / q), the last one exactly 1.
std::vector<double> linspace_fractions(int q) {
  std::vector<double> fractions(static_cast<std::size_t>(q) + 1);
  const double step = 1.0 / q;
  for (int i = 0; i <= q; ++i) fractions[i] = i * step;
  fractions[q] = 1.0;
  return fractions;
}

// numpy's linear quantile of already sorted values.
double sorted_quantile(const std::vector<double>& sorted, double q) {
  if (sorted.empty()) return kNaN;
  const double last = static_cast<double>(sorted.size() - 1);
  const double virtual_index = last * q;
  if (virtual_index >= last) return sorted.back();
  if (virtual_index < 0) return sorted.front();
  const double below = std::floor(virtual_index);
  const double gamma = virtual_index - below;
  const double a = sorted[static_cast<std::size_t>(below)];
  const double b = sorted[static_cast<std::size_t>(below) + 1];
  const double diff = b - a;
  // numpy's _lerp: from the upper value when gamma >= 0.5 (monotone, exact at gamma = 1).
  return gamma >= 0.5 ? b - diff * (1.0 - gamma) : a + diff * gamma;
}

std::vector<double> sorted_without_nan(const std::vector<double>& values) {
  std::vector<double> sorted;
  sorted.reserve(values.size());
  for (double v : values)
    if (!std::isnan(v)) sorted.push_back(v);
  std::sort(sorted.begin(), sorted.end());
  return sorted;
}

}  // namespace

double mean(const std::vector<double>& values) {
  if (values.empty()) return kNaN;
  double sum = 0.0;
  for (double v : values) sum += v;
  return sum / static_cast<double>(values.size());
}

double sample_sd(const std::vector<double>& values) {
  if (values.size() < 2) return kNaN;
  const double ss = sum_of_squared_deviations(values, mean(values));
  return std::sqrt(ss / static_cast<double>(values.size() - 1));
}

double population_sd(const std::vector<double>& values) {
  if (values.empty()) return kNaN;
  const double ss = sum_of_squared_deviations(values, mean(values));
  return std::sqrt(ss / static_cast<double>(values.size()));
}

double numpy_quantile(std::vector<double> values, double q) {
  std::sort(values.begin(), values.end());
  return sorted_quantile(values, q);
}

double pandas_quantile(std::vector<double> values, double q) {
  return numpy_quantile(std::move(values), q * 100.0 / 100.0);
}

Qcut qcut(const std::vector<double>& values, int q) {
  Qcut out;
  const std::vector<double> sorted = sorted_without_nan(values);
  if (!sorted.empty() && q >= 1)
    for (double fraction : linspace_fractions(q)) {
      const double edge = sorted_quantile(sorted, fraction * 100.0 / 100.0);
      if (out.edges.empty() || edge != out.edges.back()) out.edges.push_back(edge);
    }
  out.bin.assign(values.size(), -1);
  if (out.bins() == 0) return out;
  for (std::size_t i = 0; i < values.size(); ++i) {
    const double v = values[i];
    if (std::isnan(v)) continue;
    // searchsorted(side='left'): first edge >= v; v in (e_{k-1}, e_k] -> bin k-1.
    const auto it = std::lower_bound(out.edges.begin(), out.edges.end(), v);
    if (it == out.edges.end()) continue;  // above the top edge (cannot happen for qcut)
    const auto k = static_cast<int>(it - out.edges.begin());
    out.bin[i] = k == 0 ? 0 : k - 1;  // include_lowest: the minimum goes to bin 0
  }
  return out;
}

double z_unpaired(double mean_s, double sd_s, double n_s, double mean_0, double sd_0, double n_0) {
  return (mean_s - mean_0) / std::sqrt(sd_s * sd_s / n_s + sd_0 * sd_0 / n_0);
}

double z_paired(const std::vector<double>& deltas) {
  if (deltas.size() < 2) return kNaN;
  return mean(deltas) / (sample_sd(deltas) / std::sqrt(static_cast<double>(deltas.size())));
}

double p_two_tailed(double z) {
  return std::erfc(std::fabs(z) / std::sqrt(2.0));
}

double p_one_tailed(double z) {
  return 0.5 * std::erfc(std::fabs(z) / std::sqrt(2.0));
}

double binomial_se(double fraction, double n) {
  if (!(n > 0)) return kNaN;
  return std::sqrt(fraction * (1.0 - fraction) / n);
}

double sem_of_mean(const std::vector<double>& sem_per_particle) {
  if (sem_per_particle.empty()) return kNaN;
  double sum = 0.0;
  for (double sem : sem_per_particle) sum += sem * sem;
  return std::sqrt(sum / static_cast<double>(sem_per_particle.size()));
}

double se_total(double ses, double sem) {
  if (std::isnan(sem)) return ses;
  return std::sqrt(ses * ses + sem * sem);
}

}  // namespace grapes::series
