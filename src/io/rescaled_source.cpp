// input.grey.rescale: any grey source read through the linear map of rescaled_source.hpp.
#include "grapes/io/rescaled_source.hpp"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <vector>

#include "grapes/io/box_parts.hpp"

namespace grapes {

namespace {

// Parts per read_box call: the same on every rank (read_box is collective), and the buffer of
// source values is about 1/kParts of the box.
constexpr int kParts = 8;

double level_max(DType to) {
  return to == DType::u8 ? 255.0 : 65535.0;
}

// The shortest text that reads back as `value` ("0.008", not "0.0080000000000000002").
std::string number_text(double value) {
  char text[32];
  for (int digits = 1; digits <= 17; ++digits) {
    std::snprintf(text, sizeof text, "%.*g", digits, value);
    if (std::strtod(text, nullptr) == value) break;
  }
  return text;
}

void check_rule(const GreyRescale& rule) {
  if (rule.to != DType::u8 && rule.to != DType::u16)
    throw std::invalid_argument("grey rescale: the target must be uint8 or uint16");
  if (!std::isfinite(rule.lo) || !std::isfinite(rule.hi) || !(rule.lo < rule.hi))
    throw std::invalid_argument("grey rescale: the range must be finite with lo < hi");
}

// Converts `count` values of type From to levels of type To.
template <class From, class To>
void convert(const void* from, void* to, std::size_t count, const GreyRescale& rule) {
  const From* in = static_cast<const From*>(from);
  To* out = static_cast<To*>(to);
  for (std::size_t i = 0; i < count; ++i)
    out[i] = static_cast<To>(rescale_level(static_cast<double>(in[i]), rule));
}

template <class To>
void convert_to(DType from, const void* in, void* out, std::size_t count, const GreyRescale& r) {
  switch (from) {
    case DType::u8:
      return convert<std::uint8_t, To>(in, out, count, r);
    case DType::u16:
      return convert<std::uint16_t, To>(in, out, count, r);
    case DType::u32:
      return convert<std::uint32_t, To>(in, out, count, r);
    case DType::u64:
      return convert<std::uint64_t, To>(in, out, count, r);
    case DType::i8:
      return convert<std::int8_t, To>(in, out, count, r);
    case DType::i16:
      return convert<std::int16_t, To>(in, out, count, r);
    case DType::i32:
      return convert<std::int32_t, To>(in, out, count, r);
    case DType::i64:
      return convert<std::int64_t, To>(in, out, count, r);
    case DType::f32:
      return convert<float, To>(in, out, count, r);
    case DType::f64:
      return convert<double, To>(in, out, count, r);
  }
}

class RescaledSource final : public VolumeSource {
 public:
  RescaledSource(std::unique_ptr<VolumeSource> source, const GreyRescale& rule)
      : source_(std::move(source)), rule_(rule) {
    check_rule(rule_);
  }

  Index3 shape() const override { return source_->shape(); }
  DType dtype() const override { return rule_.to; }
  std::string describe() const override {
    return source_->describe() + " rescaled " + dtype_name(source_->dtype()) + " [" +
           number_text(rule_.lo) + ", " + number_text(rule_.hi) + "] -> " + dtype_name(rule_.to);
  }

  void read_box(const Box& box, void* destination) override {
    const std::size_t from = dtype_size(source_->dtype());
    const std::size_t to = dtype_size(rule_.to);
    auto* out = static_cast<unsigned char*>(destination);
    for (int part = 0; part < kParts; ++part) {
      const Box piece = z_part(box, part, kParts);
      const auto count = static_cast<std::size_t>(piece.voxels());
      buffer_.resize(count * from);
      source_->read_box(piece, buffer_.data());
      if (rule_.to == DType::u8)
        convert_to<std::uint8_t>(source_->dtype(), buffer_.data(), out, count, rule_);
      else
        convert_to<std::uint16_t>(source_->dtype(), buffer_.data(), out, count, rule_);
      out += count * to;
    }
    buffer_.clear();
    buffer_.shrink_to_fit();
  }

 private:
  std::unique_ptr<VolumeSource> source_;
  GreyRescale rule_;
  std::vector<unsigned char> buffer_;
};

}  // namespace

std::uint16_t rescale_level(double value, const GreyRescale& rule) {
  if (std::isnan(value)) return 0;
  const double top = level_max(rule.to);
  const double t = (value - rule.lo) / (rule.hi - rule.lo) * top;
  return static_cast<std::uint16_t>(std::floor(std::fmin(std::fmax(t, 0.0), top) + 0.5));
}

std::unique_ptr<VolumeSource> make_rescaled_source(std::unique_ptr<VolumeSource> source,
                                                   const GreyRescale& rule) {
  if (!source) throw std::invalid_argument("make_rescaled_source: no source");
  return std::make_unique<RescaledSource>(std::move(source), rule);
}

std::unique_ptr<VolumeSource> apply_rescale(std::unique_ptr<VolumeSource> source,
                                            const SourceSpec& spec) {
  if (!spec.rescale) return source;
  return make_rescaled_source(std::move(source), *spec.rescale);
}

}  // namespace grapes
