#pragma once
// How a particle's layer profile is normalised (analysis.normalise; docs/METHOD.md, "Layers").
namespace grapes {

enum class Normalise { radial_max, surface };

}  // namespace grapes
