// Signed labels (scikit-image's int32/int64): the collective check for negative values names
// their count and first global position whatever the decomposition, and a run on signed labels
// gives the tables of the same labels stored unsigned.
#include <gtest/gtest.h>
#include <mpi.h>

#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "grapes/config/config.hpp"
#include "grapes/core/error.hpp"
#include "grapes/io/label_check.hpp"
#include "grapes/output/output.hpp"
#include "grapes/parallel/comm.hpp"
#include "grapes/parallel/grid.hpp"
#include "grapes/run/pipeline.hpp"
#include "support/memory_source.hpp"

namespace grapes {
namespace {

const Index3 kShape{9, 7, 8};

std::vector<std::int32_t> labels_with(const std::vector<Index3>& negative) {
  std::vector<std::int32_t> values(static_cast<std::size_t>(voxel_count(kShape)));
  for (std::size_t i = 0; i < values.size(); ++i) values[i] = static_cast<std::int32_t>(i % 5);
  for (const Index3& p : negative) values[(p[0] * kShape[1] + p[1]) * kShape[2] + p[2]] = -3;
  return values;
}

// The check on this rank's box of an automatic grid; the InputError's text ("" if none).
std::string check(VolumeSource& source) {
  const int ranks = comm_size(MPI_COMM_WORLD);
  const Grid grid(kShape, Grid::auto_dims(kShape, ranks));
  const Box owned = grid.owned_box(comm_rank(MPI_COMM_WORLD));
  View3<std::uint32_t> view = make_view3<std::uint32_t>("test::labels", owned);
  auto host = Kokkos::create_mirror_view(view);
  source.read_box(owned, host.data());
  Kokkos::deep_copy(view, host);
  try {
    check_labels_not_negative<std::uint32_t>(view, owned, source, MPI_COMM_WORLD);
  } catch (const InputError& error) {
    return error.what();
  }
  return "";
}

TEST(LabelCheck, NegativeLabelsAreCountedAndTheFirstIsNamed) {
  // (8, 0, 0) is last in C order, (2, 5, 1) first; the ranks owning them differ on most grids.
  const auto source =
      test::memory_source<std::int32_t>(kShape, labels_with({{8, 0, 0}, {2, 5, 1}, {2, 6, 0}}));
  const std::string message = check(*source);
  EXPECT_NE(message.find("3 voxels have negative labels (int32)"), std::string::npos) << message;
  EXPECT_NE(message.find("(z, y, x) = (2, 5, 1)"), std::string::npos) << message;
  EXPECT_NE(message.find("input.labels (memory)"), std::string::npos) << message;
}

TEST(LabelCheck, NonNegativeAndUnsignedLabelsPass) {
  EXPECT_EQ(check(*test::memory_source<std::int32_t>(kShape, labels_with({}))), "");
  // Unsigned labels are not looked at (the same bits as negative int32 are large labels).
  std::vector<std::uint32_t> big(static_cast<std::size_t>(voxel_count(kShape)), 0x80000000u);
  EXPECT_EQ(check(*test::memory_source<std::uint32_t>(kShape, big)), "");
}

TEST(LabelCheck, SignedLabelsGiveTheUnsignedTables) {
  std::vector<std::uint16_t> unsigned_labels(static_cast<std::size_t>(voxel_count(kShape)), 0);
  for (index_t z = 1; z < 8; ++z)
    for (index_t y = 1; y < 6; ++y)
      for (index_t x = 1; x < 7; ++x)
        unsigned_labels[(z * kShape[1] + y) * kShape[2] + x] = x < 4 ? 3 : 700;
  std::vector<std::uint8_t> grey(unsigned_labels.size());
  for (std::size_t i = 0; i < grey.size(); ++i) grey[i] = static_cast<std::uint8_t>(i * 7 % 251);
  const std::string tag = std::to_string(comm_size(MPI_COMM_WORLD));
  const std::string expected_path = "label_check_np" + tag + "_unsigned.h5";
  const std::string actual_path = "label_check_np" + tag + "_signed.h5";
  const auto run = [&](std::unique_ptr<VolumeSource> labels, const std::string& path) {
    const Config config = parse_config(
        "input: {phantom: {}}\nanalysis: {core_exclude_layers: 0}\noutput: {path: " + path + "}\n",
        "<test>");
    run_analysis(config, test::memory_source<std::uint8_t>(kShape, grey), std::move(labels),
                 MPI_COMM_WORLD, Logger::silent());
  };
  run(test::memory_source<std::uint16_t>(kShape, unsigned_labels), expected_path);
  run(test::memory_source<std::int16_t>(
          kShape, std::vector<std::int16_t>(unsigned_labels.begin(), unsigned_labels.end())),
      actual_path);
  if (comm_rank(MPI_COMM_WORLD) == 0) {
    for (const char* group : kTableGroups) {
      const Table expected = read_table(expected_path, std::string("/") + group);
      const Table actual = read_table(actual_path, std::string("/") + group);
      ASSERT_EQ(expected.columns.size(), actual.columns.size()) << group;
      for (std::size_t c = 0; c < expected.columns.size(); ++c)
        EXPECT_TRUE(expected.columns[c].values == actual.columns[c].values)
            << group << "/" << expected.columns[c].name;
    }
    EXPECT_EQ(read_table(actual_path, "/particles").rows(), 2u);
    std::remove(expected_path.c_str());
    std::remove(actual_path.c_str());
  }
  MPI_Barrier(MPI_COMM_WORLD);
}

}  // namespace
}  // namespace grapes
