// TIFF input: one multi-page file (one page per z) or a folder of 2-D slice files sorted
// naturally by name ("s_2.tif" before "s_10.tif"). Rank 0 checks every page once when the
// source is opened (same size and type everywhere) and broadcasts the page list; each rank
// then reads only the pages of its z-range and crops rows and columns, decoding only the
// strips or tiles its box touches.
#include <algorithm>
#include <cctype>
#include <cstring>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "grapes/core/error.hpp"
#include "grapes/io/tiff_file.hpp"
#include "io_detail.hpp"

namespace grapes::io_detail {
namespace {

namespace fs = std::filesystem;

// The size and element type of one page; every page of a source must have the same.
struct PageFormat {
  index_t width = 0;
  index_t height = 0;
  DType dtype = DType::u8;
  bool operator==(const PageFormat& o) const {
    return width == o.width && height == o.height && dtype == o.dtype;
  }
  bool operator!=(const PageFormat& o) const { return !(*this == o); }
  std::string text() const {
    return std::to_string(height) + " rows x " + std::to_string(width) + " columns of " +
           dtype_name(dtype);
  }
};

// Where each page (z) of the volume lives: which file, and which directory (IFD) in it.
struct Layout {
  std::vector<std::string> files;
  std::vector<std::int64_t> file_of_page;
  std::vector<std::int64_t> directory_of_page;
  PageFormat format;
};

bool is_reduced_image(TIFF* tif) {
  uint32_t subfile_type = 0;
  TIFFGetFieldDefaulted(tif, TIFFTAG_SUBFILETYPE, &subfile_type);
  return (subfile_type & FILETYPE_REDUCEDIMAGE) != 0;  // a thumbnail, not a slice
}

// The format of the current directory; InputError naming `where` when it is not a
// single-channel image of a supported type.
PageFormat page_format(TIFF* tif, const std::string& where) {
  uint32_t width = 0, height = 0, depth = 1;
  uint16_t bits = 1, samples = 1, sample_format = SAMPLEFORMAT_UINT, compression = COMPRESSION_NONE;
  if (!TIFFGetField(tif, TIFFTAG_IMAGEWIDTH, &width) ||
      !TIFFGetField(tif, TIFFTAG_IMAGELENGTH, &height) || width == 0 || height == 0)
    throw InputError(where + " has no image size");
  TIFFGetFieldDefaulted(tif, TIFFTAG_BITSPERSAMPLE, &bits);
  TIFFGetFieldDefaulted(tif, TIFFTAG_SAMPLESPERPIXEL, &samples);
  TIFFGetFieldDefaulted(tif, TIFFTAG_SAMPLEFORMAT, &sample_format);
  TIFFGetFieldDefaulted(tif, TIFFTAG_IMAGEDEPTH, &depth);
  TIFFGetField(tif, TIFFTAG_COMPRESSION, &compression);
  if (samples != 1)
    throw InputError(where + " has " + std::to_string(samples) +
                     " samples per pixel (colour?); only single-channel images are supported");
  if (depth != 1) throw InputError(where + " is a 3-D (SGI ImageDepth) image; not supported");
  if (!TIFFIsCODECConfigured(compression))
    throw InputError(where + " uses compression scheme " + std::to_string(compression) +
                     ", which this libtiff cannot decode");
  PageFormat format;
  format.width = width;
  format.height = height;
  bool supported = false;
  if (sample_format == SAMPLEFORMAT_UINT || sample_format == SAMPLEFORMAT_INT) {
    const bool is_signed = sample_format == SAMPLEFORMAT_INT;
    supported = true;
    switch (bits) {
      case 8:
        format.dtype = is_signed ? DType::i8 : DType::u8;
        break;
      case 16:
        format.dtype = is_signed ? DType::i16 : DType::u16;
        break;
      case 32:
        format.dtype = is_signed ? DType::i32 : DType::u32;
        break;
      case 64:
        format.dtype = is_signed ? DType::i64 : DType::u64;
        break;
      default:
        supported = false;
    }
  } else if (sample_format == SAMPLEFORMAT_IEEEFP) {
    supported = bits == 32 || bits == 64;
    format.dtype = bits == 32 ? DType::f32 : DType::f64;
  }
  if (!supported) {
    const char* kind = sample_format == SAMPLEFORMAT_UINT     ? "unsigned integer"
                       : sample_format == SAMPLEFORMAT_INT    ? "signed integer"
                       : sample_format == SAMPLEFORMAT_IEEEFP ? "floating-point"
                                                              : "untyped or complex";
    throw InputError(where + " has " + std::to_string(bits) + "-bit " + kind +
                     " samples; supported: 8/16/32/64-bit unsigned or signed integers, "
                     "32/64-bit floats");
  }
  return format;
}

tiff::File open_tiff(const std::string& path) {
  tiff::File file(path, "r");
  if (!file.ok()) throw InputError("cannot read TIFF file '" + path + "'" + file.reason());
  return file;
}

std::string page_name(const std::string& path, std::size_t page) {
  return "TIFF file '" + path + "' page " + std::to_string(page);
}

// Calls visit(directory) with `file` positioned on each full-resolution image (thumbnails are
// skipped), in file order.
template <class Visit>
void for_each_image(const tiff::File& file, const std::string& path, Visit&& visit) {
  for (std::int64_t directory = 0;; ++directory) {
    if (!is_reduced_image(file.get())) visit(directory);
    if (TIFFLastDirectory(file.get())) return;
    if (!TIFFReadDirectory(file.get()))
      throw InputError("cannot read directory " + std::to_string(directory + 1) +
                       " of TIFF file '" + path + "'" + file.reason());
  }
}

// Rank 0: every image page of one multi-page file.
Layout scan_file(const std::string& path) {
  Layout layout;
  layout.files = {path};
  const tiff::File file = open_tiff(path);
  for_each_image(file, path, [&](std::int64_t directory) {
    const std::size_t page = layout.directory_of_page.size();
    const PageFormat format = page_format(file.get(), page_name(path, page));
    if (page == 0) {
      layout.format = format;
    } else if (format != layout.format) {
      throw InputError(page_name(path, page) + " is " + format.text() + " but page 0 is " +
                       layout.format.text() + "; every page must have the same size and type");
    }
    layout.file_of_page.push_back(0);
    layout.directory_of_page.push_back(directory);
  });
  if (layout.directory_of_page.empty())
    throw InputError("TIFF file '" + path + "' holds no full-resolution image");
  return layout;
}

// "s_2.tif" < "s_10.tif": runs of digits compare as numbers.
bool natural_less(const std::string& a, const std::string& b) {
  const auto digit = [](char c) { return std::isdigit(static_cast<unsigned char>(c)) != 0; };
  std::size_t i = 0, j = 0;
  while (i < a.size() && j < b.size()) {
    if (digit(a[i]) && digit(b[j])) {
      std::size_t i_end = i, j_end = j;
      while (i_end < a.size() && digit(a[i_end])) ++i_end;
      while (j_end < b.size() && digit(b[j_end])) ++j_end;
      while (i + 1 < i_end && a[i] == '0') ++i;  // leading zeros do not count
      while (j + 1 < j_end && b[j] == '0') ++j;
      if (i_end - i != j_end - j) return i_end - i < j_end - j;
      const int order = a.compare(i, i_end - i, b, j, j_end - j);
      if (order != 0) return order < 0;
      i = i_end;
      j = j_end;
    } else {
      if (a[i] != b[j]) return static_cast<unsigned char>(a[i]) < static_cast<unsigned char>(b[j]);
      ++i;
      ++j;
    }
  }
  if (i == a.size() && j == b.size()) return a < b;  // equal up to leading zeros
  return i == a.size();
}

bool is_tiff_name(const std::string& name) {
  if (name.empty() || name[0] == '.') return false;  // hidden files (e.g. macOS "._x.tif")
  std::string lower = name;
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  const auto ends_with = [&](const std::string& tail) {
    return lower.size() > tail.size() &&
           lower.compare(lower.size() - tail.size(), tail.size(), tail) == 0;
  };
  return ends_with(".tif") || ends_with(".tiff");
}

// Rank 0: one 2-D image per .tif/.tiff file of a folder, in natural order of the names.
Layout scan_folder(const std::string& folder) {
  std::vector<std::string> names;
  std::error_code ec;
  for (fs::directory_iterator it(folder, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    std::error_code type_ec;
    if (is_tiff_name(name) && it->is_regular_file(type_ec)) names.push_back(name);
  }
  if (ec) throw InputError("cannot list the folder '" + folder + "': " + ec.message());
  if (names.empty()) throw InputError("folder '" + folder + "' holds no .tif or .tiff files");
  std::sort(names.begin(), names.end(), natural_less);

  Layout layout;
  for (std::size_t slice = 0; slice < names.size(); ++slice) {
    const std::string path = (fs::path(folder) / names[slice]).string();
    const tiff::File file = open_tiff(path);
    std::int64_t image_directory = -1, images = 0;
    PageFormat format;
    for_each_image(file, path, [&](std::int64_t directory) {
      if (images++ > 0) return;
      image_directory = directory;
      format = page_format(file.get(), "TIFF file '" + path + "'");
    });
    if (images != 1)
      throw InputError("TIFF file '" + path + "' holds " + std::to_string(images) +
                       " images; a folder of slices needs exactly one 2-D image per file");
    if (slice == 0) {
      layout.format = format;
    } else if (format != layout.format) {
      throw InputError("TIFF file '" + path + "' is " + format.text() + " but '" +
                       layout.files.front() + "' is " + layout.format.text() +
                       "; every slice must have the same size and type");
    }
    layout.files.push_back(path);
    layout.file_of_page.push_back(static_cast<std::int64_t>(slice));
    layout.directory_of_page.push_back(image_directory);
  }
  return layout;
}

Layout scan(const std::string& path) {
  std::error_code ec;
  if (fs::is_directory(path, ec)) return scan_folder(path);
  if (!fs::exists(path, ec)) throw InputError("TIFF input '" + path + "' does not exist");
  return scan_file(path);
}

// Rank 0's layout to every rank: file names joined by '\0', then the numbers.
void broadcast_layout(MPI_Comm comm, Layout& layout) {
  std::string names;
  std::vector<std::int64_t> numbers;
  const int rank = comm_rank(comm);
  if (rank == 0) {
    for (const std::string& file : layout.files) names += file + '\0';
    numbers = {layout.format.width, layout.format.height,
               static_cast<std::int64_t>(layout.format.dtype)};
    numbers.insert(numbers.end(), layout.file_of_page.begin(), layout.file_of_page.end());
    numbers.insert(numbers.end(), layout.directory_of_page.begin(), layout.directory_of_page.end());
  }
  broadcast(comm, names);
  broadcast(comm, numbers);
  if (rank == 0) return;
  layout = Layout{};
  for (std::size_t start = 0; start < names.size();) {
    const std::size_t end = names.find('\0', start);
    layout.files.push_back(names.substr(start, end - start));
    start = end + 1;
  }
  layout.format.width = numbers[0];
  layout.format.height = numbers[1];
  layout.format.dtype = static_cast<DType>(numbers[2]);
  const auto pages = static_cast<std::ptrdiff_t>((numbers.size() - 3) / 2);
  layout.file_of_page.assign(numbers.begin() + 3, numbers.begin() + 3 + pages);
  layout.directory_of_page.assign(numbers.begin() + 3 + pages, numbers.end());
}

class TiffSource final : public VolumeSource {
 public:
  TiffSource(const SourceSpec& spec, MPI_Comm comm)
      : path_(spec.path), key_(spec.key), prefix_(key_prefix(spec)) {
    check_on_root(comm, [&] {
      try {
        layout_ = scan(path_);
      } catch (const std::exception& e) {
        throw InputError(prefix_ + e.what());
      }
    });
    broadcast_layout(comm, layout_);
    shape_ = {static_cast<index_t>(layout_.directory_of_page.size()), layout_.format.height,
              layout_.format.width};
    checked_volume_bytes(shape_, dtype_size(layout_.format.dtype),
                         prefix_ + "TIFF input '" + path_ + "'");
  }

  Index3 shape() const override { return shape_; }
  DType dtype() const override { return layout_.format.dtype; }
  std::string describe() const override { return path_; }
  std::string key() const override { return key_; }

  void read_box(const Box& box, void* destination) override {
    require_inside(box, shape_, describe());
    if (box.empty()) return;
    const std::size_t plane =
        static_cast<std::size_t>(box.extent(1) * box.extent(2)) * dtype_size(layout_.format.dtype);
    auto* out = static_cast<unsigned char*>(destination);
    std::optional<tiff::File> file;
    std::int64_t open_index = -1;
    for (index_t z = box.lo[0]; z < box.hi[0]; ++z, out += plane) {
      const std::int64_t index = layout_.file_of_page[z];
      const std::string& path = layout_.files[index];
      const std::string where =
          layout_.files.size() == 1 ? page_name(path, z) : "TIFF file '" + path + "'";
      try {
        if (index != open_index) {
          file.emplace(open_tiff(path));
          open_index = index;
        }
        go_to_directory(*file, layout_.directory_of_page[z], where);
        read_page(*file, where, box, out);
      } catch (const InputError& e) {
        throw InputError(prefix_ + e.what());
      }
    }
  }

 private:
  // Steps forward with TIFFReadDirectory (a stack is read page after page); jumps with
  // TIFFSetDirectory, which walks the IFD chain from the start, only to a distant page.
  static void go_to_directory(const tiff::File& file, std::int64_t directory,
                              const std::string& where) {
    TIFF* tif = file.get();
    std::int64_t current = TIFFCurrentDirectory(tif);
    if (directory < current || directory - current > 8) {
      if (!TIFFSetDirectory(tif, static_cast<tdir_t>(directory)))
        throw InputError("cannot read " + where + file.reason());
      return;
    }
    for (; current < directory; ++current)
      if (!TIFFReadDirectory(tif)) throw InputError("cannot read " + where + file.reason());
  }

  // Copies the box's rows [y0, y1) and columns [x0, x1) of the current page to `out`.
  void read_page(const tiff::File& file, const std::string& where, const Box& box,
                 unsigned char* out) const {
    TIFF* tif = file.get();
    const PageFormat format = page_format(tif, where);
    if (format != layout_.format)
      throw InputError(where + " is " + format.text() + ", not " + layout_.format.text() +
                       " as when the input was opened");
    const std::size_t element = dtype_size(format.dtype);
    const index_t y0 = box.lo[1], y1 = box.hi[1], x0 = box.lo[2], x1 = box.hi[2];
    const std::size_t out_row = static_cast<std::size_t>(x1 - x0) * element;

    if (TIFFIsTiled(tif)) {
      uint32_t tile_width = 0, tile_height = 0;
      TIFFGetField(tif, TIFFTAG_TILEWIDTH, &tile_width);
      TIFFGetField(tif, TIFFTAG_TILELENGTH, &tile_height);
      const tmsize_t tile_size = TIFFTileSize(tif);
      if (tile_width == 0 || tile_height == 0 || tile_size <= 0)
        throw InputError(where + " has an invalid tile layout");
      std::vector<unsigned char> buffer(static_cast<std::size_t>(tile_size));
      const index_t tw = tile_width, th = tile_height;
      for (index_t ty = y0 - y0 % th; ty < y1; ty += th) {
        for (index_t tx = x0 - x0 % tw; tx < x1; tx += tw) {
          const uint32_t tile =
              TIFFComputeTile(tif, static_cast<uint32_t>(tx), static_cast<uint32_t>(ty), 0, 0);
          if (TIFFReadEncodedTile(tif, tile, buffer.data(), tile_size) < 0)
            throw InputError("cannot decode tile " + std::to_string(tile) + " of " + where +
                             file.reason());
          const index_t xs = std::max(x0, tx), xe = std::min(x1, tx + tw);
          for (index_t y = std::max(y0, ty); y < std::min(y1, ty + th); ++y)
            std::memcpy(
                out + static_cast<std::size_t>(y - y0) * out_row +
                    static_cast<std::size_t>(xs - x0) * element,
                buffer.data() + static_cast<std::size_t>((y - ty) * tw + (xs - tx)) * element,
                static_cast<std::size_t>(xe - xs) * element);
        }
      }
      return;
    }

    uint32_t rows_per_strip = 0;
    TIFFGetFieldDefaulted(tif, TIFFTAG_ROWSPERSTRIP, &rows_per_strip);
    const index_t rps = (rows_per_strip == 0 || rows_per_strip > format.height)
                            ? format.height
                            : static_cast<index_t>(rows_per_strip);
    const tmsize_t strip_size = TIFFStripSize(tif);
    if (strip_size <= 0) throw InputError(where + " has an invalid strip layout");
    std::vector<unsigned char> buffer(static_cast<std::size_t>(strip_size));
    const std::size_t in_row = static_cast<std::size_t>(format.width) * element;
    for (index_t first = y0 - y0 % rps; first < y1; first += rps) {
      const uint32_t strip = TIFFComputeStrip(tif, static_cast<uint32_t>(first), 0);
      const tmsize_t got = TIFFReadEncodedStrip(tif, strip, buffer.data(), strip_size);
      const index_t last = std::min({y1, first + rps, format.height});
      if (got < 0 ||
          static_cast<std::size_t>(got) < static_cast<std::size_t>(last - first) * in_row)
        throw InputError("cannot decode strip " + std::to_string(strip) + " of " + where +
                         file.reason());
      for (index_t y = std::max(y0, first); y < last; ++y)
        std::memcpy(out + static_cast<std::size_t>(y - y0) * out_row,
                    buffer.data() + static_cast<std::size_t>(y - first) * in_row +
                        static_cast<std::size_t>(x0) * element,
                    out_row);
    }
  }

  std::string path_;
  std::string key_;
  std::string prefix_;
  Layout layout_;
  Index3 shape_{0, 0, 0};
};

}  // namespace

std::unique_ptr<VolumeSource> open_tiff_source(const SourceSpec& spec, MPI_Comm comm) {
  return std::make_unique<TiffSource>(spec, comm);
}

}  // namespace grapes::io_detail
