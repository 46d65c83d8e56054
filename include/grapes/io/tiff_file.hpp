#pragma once
// RAII for libtiff's TIFF* handles. libtiff's messages for the file are captured (not
// printed) so that our errors can quote them; warnings are dropped.
#include <tiffio.h>

#include <cstdarg>
#include <cstdio>
#include <memory>
#include <string>

namespace grapes::tiff {

class File {
 public:
  // Opens `path` with a libtiff mode ("r", "w", "w8" for BigTIFF). Check ok() afterwards.
  File(const std::string& path, const char* mode) {
#if TIFFLIB_VERSION >= 20221213  // libtiff 4.5: per-file message handlers
    std::unique_ptr<TIFFOpenOptions, void (*)(TIFFOpenOptions*)> options(TIFFOpenOptionsAlloc(),
                                                                         TIFFOpenOptionsFree);
    if (options) {
      TIFFOpenOptionsSetErrorHandlerExtR(options.get(), &File::capture, last_error_.get());
      TIFFOpenOptionsSetWarningHandlerExtR(options.get(), &File::ignore, nullptr);
    }
    tif_.reset(TIFFOpenExt(path.c_str(), mode, options.get()));
#else
    tif_.reset(TIFFOpen(path.c_str(), mode));
#endif
  }

  bool ok() const {
    return tif_ != nullptr;
  }
  TIFF* get() const {
    return tif_.get();
  }
  // The last error libtiff reported for this file ("" if none was captured).
  const std::string& last_error() const {
    return *last_error_;
  }
  // ": <last error>" or "" — for appending to our own messages.
  std::string reason() const {
    return last_error_->empty() ? "" : ": " + *last_error_;
  }

 private:
  static int capture(TIFF*, void* user_data, const char* module, const char* format,
                     va_list arguments) {
    char text[512];
    std::vsnprintf(text, sizeof text, format, arguments);
    auto* message = static_cast<std::string*>(user_data);
    *message = (module && *module) ? std::string(module) + ": " + text : std::string(text);
    return 1;  // handled: libtiff prints nothing
  }
  static int ignore(TIFF*, void*, const char*, const char*, va_list) {
    return 1;
  }

  struct Closer {
    void operator()(TIFF* tif) const { TIFFClose(tif); }
  };
  // Declared before the handle: the message buffer outlives TIFFClose, which may report.
  std::unique_ptr<std::string> last_error_ = std::make_unique<std::string>();
  std::unique_ptr<TIFF, Closer> tif_;
};

}  // namespace grapes::tiff
