#include "grapes/series/stats.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include <boost/math/distributions/students_t.hpp>

namespace grapes::series {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kWilsonZ = 1.959963984540054;  // the standard normal 0.975 quantile

// Boost.Math without exceptions or errno: a domain error gives NaN (the caller checks first).
using QuietPolicy = boost::math::policies::policy<
    boost::math::policies::domain_error<boost::math::policies::ignore_error>,
    boost::math::policies::overflow_error<boost::math::policies::ignore_error>>;

// P(T >= t) for Student's t with df degrees of freedom; t = +-inf handled here.
double t_upper_tail(double t, double df) {
  if (std::isnan(t) || !(df > 0)) return kNaN;
  if (std::isinf(t)) return t > 0 ? 0.0 : 1.0;
  const boost::math::students_t_distribution<double, QuietPolicy> distribution(df);
  return boost::math::cdf(boost::math::complement(distribution, t));
}

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

double p_one_tailed(double z, Alternative alternative) {
  const double toward_greater = alternative == Alternative::greater ? z : -z;
  return 0.5 * std::erfc(toward_greater / std::sqrt(2.0));
}

double p_t_two_tailed(double t, double df) {
  const double p = 2.0 * t_upper_tail(std::fabs(t), df);
  return p > 1.0 ? 1.0 : p;  // NaN stays NaN
}

double p_t_one_tailed(double t, double df, Alternative alternative) {
  return t_upper_tail(alternative == Alternative::greater ? t : -t, df);
}

double welch_df(double sd_a, double n_a, double sd_b, double n_b) {
  if (!(n_a >= 2 && n_b >= 2)) return kNaN;
  const double a = sd_a * sd_a / n_a, b = sd_b * sd_b / n_b;
  const double denominator = a * a / (n_a - 1) + b * b / (n_b - 1);
  if (!(denominator > 0)) return kNaN;
  return (a + b) * (a + b) / denominator;
}

Interval wilson_interval(double successes, double n) {
  if (!(n > 0)) return {kNaN, kNaN};
  const double f = successes / n, z2 = kWilsonZ * kWilsonZ;
  const double scale = 1.0 + z2 / n;
  const double centre = (f + z2 / (2 * n)) / scale;
  const double half = kWilsonZ / scale * std::sqrt(f * (1 - f) / n + z2 / (4 * n * n));
  return {std::max(0.0, centre - half), std::min(1.0, centre + half)};
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

double sem_of_mean_over_n(const std::vector<double>& sem_per_particle) {
  if (sem_per_particle.empty()) return kNaN;
  double sum = 0.0;
  for (double sem : sem_per_particle) sum += sem * sem;
  return std::sqrt(sum) / static_cast<double>(sem_per_particle.size());
}

double se_total(double ses, double sem) {
  if (std::isnan(sem)) return ses;
  return std::sqrt(ses * ses + sem * sem);
}

}  // namespace grapes::series
