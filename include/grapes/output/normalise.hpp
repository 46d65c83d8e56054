#pragma once
// How graylevel_normed of a particle's layer k is formed from its layer means g (docs/METHOD.md,
// "Layers"; the config key analysis.normalise).

namespace grapes {

enum class Normalise {
  radial_max,  // (g_k - g_1) / max_j (g_j - g_1), all zeros when that maximum is 0
  surface,     // g_k / g_1, 0 when g_1 = 0
};

}  // namespace grapes
