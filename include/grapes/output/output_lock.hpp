#pragma once
// An advisory lock on an output path, so that two `grapes series` writing the same series at
// the same time do not interleave their step files and series file (docs/SERIES.md, "Running
// a series"): flock(2) on the hidden file "<folder>/.<file name>.lock" beside the output,
// held for the object's life; the file then holds "pid P on host H since T". A lock held
// elsewhere is an InputError naming the output, that holder and the lock file. The lock file
// itself stays (deleting it while no grapes runs is safe): removing it on release would let
// two later runs lock different files.
// File systems without flock support (some NFS mounts) give no lock and no error.
#include <string>

namespace grapes {

class OutputLock {
 public:
  explicit OutputLock(const std::string& output_path);
  ~OutputLock();
  OutputLock(const OutputLock&) = delete;
  OutputLock& operator=(const OutputLock&) = delete;

  static std::string lock_path(const std::string& output_path);

 private:
  int fd_ = -1;
};

}  // namespace grapes
