// The checked HDF5 layer (hdf5_calls.hpp): every failure is an InputError whose message names
// the HDF5 call, the object and the file; the probes answer without throwing; a round trip
// through the wrappers gives back what was written.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "grapes/core/error.hpp"
#include "grapes/io/hdf5_calls.hpp"
#include "grapes/io/hdf5_handle.hpp"

namespace grapes {
namespace {

namespace fs = std::filesystem;

// The message of the InputError `action` throws ("" and a test failure when it throws none).
std::string input_error(const std::function<void()>& action) {
  try {
    action();
  } catch (const InputError& error) {
    return error.what();
  } catch (const std::exception& error) {
    ADD_FAILURE() << "not an InputError: " << error.what();
    return "";
  }
  ADD_FAILURE() << "no exception";
  return "";
}

// Every part must occur in the message.
void expect_names(const std::string& message, const std::vector<std::string>& parts) {
  for (const std::string& part : parts)
    EXPECT_NE(message.find(part), std::string::npos) << "'" << part << "' not in: " << message;
}

// A fresh folder per test with one HDF5 file (serial, default driver), removed afterwards.
class Hdf5Calls : public ::testing::Test {
 protected:
  void SetUp() override {
    char name[] = "/tmp/grapes-hdf5-calls.XXXXXX";
    ASSERT_NE(mkdtemp(name), nullptr);
    dir_ = name;
    path_ = dir_ + "/calls.h5";
  }
  void TearDown() override { fs::remove_all(dir_); }

  // A file holding /data/values (3 doubles), /data/labels (fixed strings) and the attribute
  // `counts` (3 int64) on /data.
  void write_fixture() {
    const h5::Handle file = h5::create_file(path_, H5F_ACC_TRUNC);
    const h5::Handle links = h5::intermediate_groups();
    const h5::Handle group = h5::create_group(file, "/data", links);
    const hsize_t three = 3;
    const h5::Handle space = h5::create_simple_space(1, &three);
    const h5::Handle values = h5::create_dataset(group, "values", H5T_NATIVE_DOUBLE, space, links);
    const double numbers[3] = {1.5, -2.25, 1e300};
    h5::write_dataset(values, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, numbers);
    const h5::Handle text_type = h5::fixed_string_type(4, H5T_STR_NULLPAD);
    const h5::Handle labels = h5::create_dataset(group, "labels", text_type, space, links);
    const char text[12] = {'a', 0, 0, 0, 'b', 'c', 0, 0, 'd', 'e', 'f', 'g'};
    h5::write_dataset(labels, text_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, text);
    const h5::Handle counts = h5::create_attribute(group, "counts", H5T_NATIVE_INT64, space);
    const std::int64_t ints[3] = {7, -8, 9};
    h5::write_attribute(counts, H5T_NATIVE_INT64, ints);
  }

  std::string dir_;
  std::string path_;
};

TEST_F(Hdf5Calls, MissingFileNamesTheCallAndTheFile) {
  h5::QuietErrors quiet;
  const std::string missing = dir_ + "/absent.h5";
  expect_names(input_error([&] { h5::open_file(missing, H5F_ACC_RDONLY); }),
               {"H5Fopen", "file '" + missing + "'"});
  expect_names(input_error([&] { h5::create_file(dir_ + "/no/such/folder.h5", H5F_ACC_TRUNC); }),
               {"H5Fcreate", "no/such/folder.h5"});
}

TEST_F(Hdf5Calls, MissingDatasetGroupAndAttributeNameObjectAndFile) {
  write_fixture();
  h5::QuietErrors quiet;
  const h5::Handle file = h5::open_file(path_, H5F_ACC_RDONLY);
  expect_names(input_error([&] { h5::open_dataset(file, "/data/nothing"); }),
               {"H5Dopen2", "dataset '/data/nothing'", "in '" + path_ + "'"});
  const h5::Handle group = h5::open_group(file, "/data");
  // A relative name is shown with the path of the group it is under.
  expect_names(input_error([&] { h5::open_dataset(group, "nothing"); }),
               {"H5Dopen2", "dataset '/data/nothing'", path_});
  expect_names(input_error([&] { h5::open_group(file, "/no_group"); }),
               {"H5Gopen2", "group '/no_group'", path_});
  expect_names(input_error([&] { h5::open_attribute(group, "no_attribute"); }),
               {"H5Aopen", "attribute 'no_attribute' of '/data'", path_});
}

TEST_F(Hdf5Calls, ReadWithTheWrongTypeNamesTheDataset) {
  write_fixture();
  h5::QuietErrors quiet;
  const h5::Handle file = h5::open_file(path_, H5F_ACC_RDONLY);
  const h5::Handle labels = h5::open_dataset(file, "/data/labels");
  std::vector<double> numbers(3);
  // Fixed-length strings do not convert to doubles.
  expect_names(input_error([&] { h5::read_dataset(labels, H5T_NATIVE_DOUBLE, numbers.data(), 3); }),
               {"H5Dread", "dataset '/data/labels'", path_});
}

TEST_F(Hdf5Calls, ReadIntoATooSmallBufferThrowsBeforeReading) {
  write_fixture();
  h5::QuietErrors quiet;
  const h5::Handle file = h5::open_file(path_, H5F_ACC_RDONLY);
  const h5::Handle values = h5::open_dataset(file, "/data/values");
  std::vector<double> two(2, 0.0);
  expect_names(input_error([&] { h5::read_dataset(values, H5T_NATIVE_DOUBLE, two.data(), 2); }),
               {"H5Dread", "dataset '/data/values'", path_, "3 elements", "holds 2"});
  EXPECT_EQ(two, std::vector<double>(2, 0.0));
  const h5::Handle group = h5::open_group(file, "/data");
  const h5::Handle counts = h5::open_attribute(group, "counts");
  std::vector<std::int64_t> ints(2, 0);
  expect_names(input_error([&] { h5::read_attribute(counts, H5T_NATIVE_INT64, ints.data(), 2); }),
               {"H5Aread", "attribute 'counts' of '/data'", path_, "3 elements"});
  EXPECT_EQ(ints, std::vector<std::int64_t>(2, 0));
}

TEST_F(Hdf5Calls, FailedWriteIsReportedByTheTryFormAndNamedByTheChecked) {
  write_fixture();
  h5::QuietErrors quiet;
  const h5::Handle file = h5::open_file(path_, H5F_ACC_RDONLY);
  const h5::Handle values = h5::open_dataset(file, "/data/values");
  const double numbers[3] = {0, 0, 0};
  // The file is read-only.
  EXPECT_FALSE(
      h5::try_write_dataset(values, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, numbers));
  expect_names(input_error([&] {
                 h5::write_dataset(values, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT,
                                   numbers);
               }),
               {"H5Dwrite", "dataset '/data/values'", path_});
}

TEST_F(Hdf5Calls, CreatingAnExistingDatasetNamesIt) {
  write_fixture();
  h5::QuietErrors quiet;
  const h5::Handle file = h5::open_file(path_, H5F_ACC_RDWR);
  const hsize_t one = 1;
  const h5::Handle space = h5::create_simple_space(1, &one);
  expect_names(
      input_error([&] { h5::create_dataset(file, "/data/values", H5T_NATIVE_DOUBLE, space); }),
      {"H5Dcreate2", "dataset '/data/values'", path_});
}

TEST_F(Hdf5Calls, ProbesAnswerWithoutThrowing) {
  write_fixture();
  h5::QuietErrors quiet;
  const h5::Handle file = h5::open_file(path_, H5F_ACC_RDONLY);
  EXPECT_TRUE(h5::link_exists(file, "/"));
  EXPECT_TRUE(h5::link_exists(file, "/data/values"));
  EXPECT_TRUE(h5::link_exists(file, "data/labels"));
  EXPECT_FALSE(h5::link_exists(file, "/data/nothing"));
  // A missing parent: H5Lexists alone would fail here.
  EXPECT_FALSE(h5::link_exists(file, "/no/such/path"));
  EXPECT_FALSE(h5::link_exists(file, ""));
  const h5::Handle group = h5::open_group(file, "/data");
  EXPECT_TRUE(h5::attribute_exists(group, "counts"));
  EXPECT_FALSE(h5::attribute_exists(group, "nothing"));
  EXPECT_EQ(h5::object_type(file, "/data"), H5I_GROUP);
  EXPECT_EQ(h5::object_type(group, "values"), H5I_DATASET);
}

TEST_F(Hdf5Calls, RoundTrip) {
  write_fixture();
  h5::QuietErrors quiet;
  const h5::Handle file = h5::open_file(path_, H5F_ACC_RDONLY);
  const h5::Handle group = h5::open_group(file, "/data");
  EXPECT_EQ(h5::link_names(group), (std::vector<std::string>{"labels", "values"}));
  EXPECT_EQ(h5::attribute_names(group), (std::vector<std::string>{"counts"}));

  const h5::Handle values = h5::open_dataset(group, "values");
  const h5::Handle space = h5::dataset_space(values);
  EXPECT_EQ(h5::space_class(space, values), H5S_SIMPLE);
  EXPECT_EQ(h5::space_rank(space, values), 1);
  EXPECT_EQ(h5::space_dims(space, values), (std::vector<hsize_t>{3}));
  EXPECT_EQ(h5::space_points(space, values), 3u);
  const h5::Handle type = h5::dataset_type(values);
  EXPECT_EQ(h5::type_class(type), H5T_FLOAT);
  EXPECT_EQ(h5::type_size(type), 8u);
  EXPECT_EQ(h5::type_precision(type), 64u);
  EXPECT_EQ(h5::type_exponent_bias(type), 1023u);
  std::vector<double> numbers(3);
  h5::read_dataset(values, H5T_NATIVE_DOUBLE, numbers.data(), numbers.size());
  EXPECT_EQ(numbers, (std::vector<double>{1.5, -2.25, 1e300}));
  // A hyperslab of one element.
  const hsize_t start = 1, count = 1;
  h5::select_hyperslab(space, &start, &count, values);
  const h5::Handle one = h5::create_simple_space(1, &count);
  double middle = 0;
  h5::read_dataset(values, H5T_NATIVE_DOUBLE, one, space, H5P_DEFAULT, &middle);
  EXPECT_EQ(middle, -2.25);

  const h5::Handle labels = h5::open_dataset(group, "labels");
  const h5::Handle text_type = h5::dataset_type(labels);
  EXPECT_EQ(h5::type_class(text_type), H5T_STRING);
  EXPECT_FALSE(h5::is_variable_string(text_type));
  std::vector<char> text(12);
  h5::read_dataset(labels, text_type, text.data(), 3);
  EXPECT_EQ(std::string(text.data(), 12), std::string("a\0\0\0bc\0\0defg", 12));

  const h5::Handle counts = h5::open_attribute(group, "counts");
  const h5::Handle count_type = h5::attribute_type(counts);
  EXPECT_EQ(h5::type_class(count_type), H5T_INTEGER);
  EXPECT_EQ(h5::type_sign(count_type), H5T_SGN_2);
  std::vector<std::int64_t> ints(3);
  h5::read_attribute(counts, H5T_NATIVE_INT64, ints.data(), ints.size());
  EXPECT_EQ(ints, (std::vector<std::int64_t>{7, -8, 9}));
}

TEST_F(Hdf5Calls, CopiedObjectsAndDeletedAttributes) {
  write_fixture();
  h5::QuietErrors quiet;
  const std::string copy_path = dir_ + "/copy.h5";
  {
    const h5::Handle source = h5::open_file(path_, H5F_ACC_RDONLY);
    const h5::Handle copy = h5::create_file(copy_path, H5F_ACC_TRUNC);
    const h5::Handle links = h5::intermediate_groups();
    h5::copy_object(source, "/data", copy, "/steps/a/data", links);
    expect_names(input_error([&] { h5::copy_object(source, "/none", copy, "/b", links); }),
                 {"H5Ocopy", "object '/none'", path_, copy_path});
    const h5::Handle group = h5::open_group(copy, "/steps/a/data");
    h5::delete_attribute(group, "counts");
    EXPECT_FALSE(h5::attribute_exists(group, "counts"));
    expect_names(input_error([&] { h5::delete_attribute(group, "counts"); }),
                 {"H5Adelete", "attribute 'counts' of '/steps/a/data'", copy_path});
  }
  const h5::Handle copy = h5::open_file(copy_path, H5F_ACC_RDONLY);
  EXPECT_TRUE(h5::link_exists(copy, "/steps/a/data/labels"));
}

TEST_F(Hdf5Calls, ErrnoOfTheFailedCallSurvivesTheMessage) {
  h5::QuietErrors quiet;
  errno = 0;
  try {
    h5::open_file(dir_ + "/absent.h5", H5F_ACC_RDONLY);
    ADD_FAILURE() << "no exception";
  } catch (const InputError&) {
    EXPECT_EQ(errno, ENOENT);
  }
}

}  // namespace
}  // namespace grapes
