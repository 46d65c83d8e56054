#pragma once
// Small statistics used by the series analysis (docs/SERIES.md, paper §3.1), written to match
// numpy and pandas where docs/SERIES.md names them. All functions are pure; empty or too-short
// inputs give NaN rather than an error, so one empty subset does not stop a whole series run.
#include <cstddef>
#include <vector>

namespace grapes::series {

// Arithmetic mean; NaN when empty.
double mean(const std::vector<double>& values);
// Sample standard deviation (ddof = 1, numpy std(ddof=1)); NaN when fewer than two values.
double sample_sd(const std::vector<double>& values);
// Population standard deviation (ddof = 0, numpy std()); NaN when empty.
double population_sd(const std::vector<double>& values);

// numpy.quantile(values, q) with the default 'linear' method, including numpy's lerp (which
// interpolates from the upper neighbour when the fraction is >= 0.5). NaN when empty.
double numpy_quantile(std::vector<double> values, double q);
// pandas Series.quantile(q): numpy.percentile(values, q * 100), so q goes through * 100 / 100.
double pandas_quantile(std::vector<double> values, double q);

// pandas.qcut(values, q, labels=False, duplicates='drop'): bin edges are the pandas quantiles
// of numpy.linspace(0, 1, q + 1) over the non-NaN values, duplicate edges are dropped, bins
// are right-closed (e_{i-1}, e_i] and the lowest edge belongs to bin 0.
struct Qcut {
  std::vector<double> edges;  // unique edges, ascending
  std::vector<int> bin;       // per value: 0 .. bins()-1, or -1 (NaN value / no bins)
  int bins() const { return edges.size() < 2 ? 0 : static_cast<int>(edges.size()) - 1; }
};
Qcut qcut(const std::vector<double>& values, int q);

// Two-sample Z of step s against the reference (paper §3.1):
// (mean_s - mean_0) / sqrt(sd_s^2 / n_s + sd_0^2 / n_0).
double z_unpaired(double mean_s, double sd_s, double n_s, double mean_0, double sd_0, double n_0);
// Paired Z of differences: mean(d) / (sample_sd(d) / sqrt(n)). NaN when n < 2.
double z_paired(const std::vector<double>& deltas);
// The one-tailed alternative, fixed before the data are seen (docs/SERIES.md "Which test to
// use"): less = the statistic's distribution is shifted down (the grey level falls, the
// paper's H_A), greater = up.
enum class Alternative { less, greater };

// Standard normal tail probabilities: two-tailed P(|Z'| >= |z|) = erfc(|z| / sqrt 2);
// one-tailed for the fixed alternative, P(Z' <= z) (less) or P(Z' >= z) (greater), whatever
// the sign of z. NaN for NaN z.
double p_two_tailed(double z);
double p_one_tailed(double z, Alternative alternative);

// Student's t tail probabilities with `df` degrees of freedom (Boost.Math), as
// scipy.stats.t: two-tailed 2 t.sf(|t|, df), one-tailed t.cdf(t, df) (less) or t.sf(t, df)
// (greater). NaN for NaN t or df not > 0; t = +-inf gives 0 or 1.
double p_t_two_tailed(double t, double df);
double p_t_one_tailed(double t, double df, Alternative alternative);

// Welch-Satterthwaite degrees of freedom of (mean_a - mean_b) / sqrt(sd_a^2/n_a + sd_b^2/n_b)
// (scipy.stats.ttest_ind(equal_var=False)). NaN when either n < 2 or both variances are 0.
double welch_df(double sd_a, double n_a, double sd_b, double n_b);

// 95 % Wilson score interval of `successes` of n (two-sided, z = 1.959963984540054):
// (centre -+ half) with centre = (f + z^2/2n) / (1 + z^2/n) and
// half = z / (1 + z^2/n) sqrt(f (1 - f) / n + z^2 / 4n^2). NaN, NaN when n == 0.
struct Interval {
  double low, high;
};
Interval wilson_interval(double successes, double n);

// Binomial standard error of a fraction f of n: sqrt(f (1 - f) / n); NaN when n == 0.
double binomial_se(double fraction, double n);
// Combined measurement error of a mean: sqrt(mean_i SEM_i^2) (paper §3.1). NaN when empty
// or when any SEM_i is NaN (noise unknown).
double sem_of_mean(const std::vector<double>& sem_per_particle);
// The measurement error of a mean over n particles: sqrt(sum_i SEM_i^2) / n (docs/SERIES.md
// item 8b). NaN when empty or when any SEM_i is NaN.
double sem_of_mean_over_n(const std::vector<double>& sem_per_particle);
// SE_tot = sqrt(SES^2 + SEM^2); SEM NaN (noise unknown) gives SE_tot = SES.
double se_total(double ses, double sem);

}  // namespace grapes::series
