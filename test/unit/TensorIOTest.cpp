//===- TensorIOTest.cpp - .npy and safetensors files ----------------------===//
#include "gradc/Runtime/Tensor.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <iterator>

#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

using namespace gradc::rt;
using ::testing::HasSubstr;

namespace {

class TensorIO : public ::testing::Test {
protected:
  std::string path(const std::string &name) {
    return ::testing::TempDir() + "/" +
           ::testing::UnitTest::GetInstance()->current_test_info()->name() +
           "_" + name;
  }
  static std::string read(const std::string &file) {
    std::ifstream in(file, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), {}};
  }
  static void write(const std::string &file, const std::string &contents) {
    std::ofstream(file, std::ios::binary) << contents;
  }
};

Tensor ramp(DType dtype, std::vector<int64_t> shape) {
  Tensor tensor(dtype, std::move(shape));
  for (size_t i = 0; i < tensor.bytes.size(); ++i)
    tensor.bytes[i] = std::byte(i * 7 + 1);
  return tensor;
}

TEST_F(TensorIO, NpyRoundTripsEveryDType) {
  for (DType dtype :
       {DType::F32, DType::F64, DType::I32, DType::I64, DType::U8}) {
    for (std::vector<int64_t> shape :
         {std::vector<int64_t>{}, {5}, {3, 4}, {2, 1, 3}, {0, 3}}) {
      Tensor tensor = ramp(dtype, shape);
      ASSERT_TRUE(writeNpy(path("t.npy"), tensor));
      auto back = readNpy(path("t.npy"));
      ASSERT_TRUE(back) << back.error();
      EXPECT_EQ(back->dtype, dtype);
      EXPECT_EQ(back->shape, shape);
      EXPECT_EQ(back->bytes, tensor.bytes);
    }
  }
}

TEST_F(TensorIO, NpyHeaderIsWhatNumpyWrites) {
  ASSERT_TRUE(writeNpy(path("t.npy"), ramp(DType::F32, {5})));
  std::string file = read(path("t.npy"));
  EXPECT_EQ(file.substr(0, 6), "\x93NUMPY");
  EXPECT_THAT(file, HasSubstr("{'descr': '<f4', 'fortran_order': False, "
                              "'shape': (5, ), }"));
  EXPECT_EQ((file.size() - 20) % 64, 0u); // data starts 64-byte aligned
}

TEST_F(TensorIO, ReadsNumpyStyleHeaders) {
  // As numpy 1.x writes a 1-D int64 array.
  std::string header = "{'descr': '<i8', 'fortran_order': False, 'shape': "
                       "(2,), }";
  header.append(118 - header.size() - 10 - 1, ' ');
  header += '\n';
  std::string file = std::string("\x93NUMPY\x01\x00", 8);
  file += static_cast<char>(header.size());
  file += '\0';
  file += header;
  int64_t data[] = {7, -3};
  file.append(reinterpret_cast<const char *>(data), sizeof(data));
  write(path("n.npy"), file);
  auto tensor = readNpy(path("n.npy"));
  ASSERT_TRUE(tensor) << tensor.error();
  EXPECT_EQ(tensor->shape, std::vector<int64_t>{2});
  EXPECT_EQ(tensor->data<int64_t>()[1], -3);
}

TEST_F(TensorIO, NpyErrorsNameTheFileAndTheProblem) {
  ASSERT_TRUE(writeNpy(path("ok.npy"), ramp(DType::F32, {10, 10})));
  std::string good = read(path("ok.npy"));

  write(path("short.npy"), good.substr(0, good.size() - 8));
  auto truncated = readNpy(path("short.npy"));
  ASSERT_FALSE(truncated);
  EXPECT_THAT(truncated.error(),
              HasSubstr("short.npy: truncated: f32[10,10] needs 400 bytes of "
                        "data, found 392"));

  write(path("magic.npy"), "PK\x03\x04 not numpy at all");
  EXPECT_THAT(readNpy(path("magic.npy")).error(),
              HasSubstr("not a NumPy .npy file (bad magic)"));

  std::string fortran = good;
  fortran.replace(fortran.find("False"), 5, "True ");
  write(path("fortran.npy"), fortran);
  EXPECT_THAT(readNpy(path("fortran.npy")).error(),
              HasSubstr("Fortran-ordered arrays are not supported"));

  std::string complex = good;
  complex.replace(complex.find("<f4"), 3, "<c8");
  write(path("complex.npy"), complex);
  EXPECT_THAT(readNpy(path("complex.npy")).error(),
              HasSubstr("unsupported dtype '<c8'"));

  // A header may claim any shape; nothing is allocated before the file is
  // known to hold that much data.
  std::string large = good;
  large.replace(large.find("(10, 10)"), 8, "(99999999, 1000)");
  write(path("large.npy"), large);
  EXPECT_THAT(readNpy(path("large.npy")).error(),
              HasSubstr("truncated: f32[99999999,1000] needs 399999996000 "
                        "bytes of data, found 408"));
  // Past 2^48 bytes, or so large that the byte count would wrap around.
  for (const char *shape :
       {"(99999999999, 1000)", "(2, 2147483648, 2147483648, 4)"}) {
    std::string huge = good;
    huge.replace(huge.find("(10, 10)"), 8, shape);
    write(path("huge.npy"), huge);
    EXPECT_THAT(readNpy(path("huge.npy")).error(),
                HasSubstr("more than 2^48 bytes"));
  }

  EXPECT_THAT(readNpy(path("missing.npy")).error(),
              HasSubstr("missing.npy: cannot open file"));
}

/// A version 2 .npy file (4-byte header length) with `header` and no data.
std::string npyWithHeader(const std::string &header) {
  std::string file = std::string("\x93NUMPY\x02\x00", 8);
  for (int i = 0; i < 4; ++i)
    file += static_cast<char>((header.size() >> (8 * i)) & 0xff);
  return file + header;
}

TEST_F(TensorIO, NpyHeadersAreParsedStrictlyInLinearTime) {
  auto readHeader = [&](const std::string &header) {
    write(path("h.npy"), npyWithHeader(header));
    return readNpy(path("h.npy"));
  };
  // What a regular expression overflowed its stack on: 100,000 spaces.
  std::string spaced = "{'descr': '<f4'," + std::string(100000, ' ') +
                       "'fortran_order': False, 'shape': (0,), }";
  auto empty = readHeader(spaced + "\n");
  ASSERT_TRUE(empty) << empty.error();
  EXPECT_EQ(empty->shape, std::vector<int64_t>{0});
  auto quoted = readHeader("{\"descr\": \"<f8\", \"shape\": (0, 2), }");
  ASSERT_TRUE(quoted) << quoted.error();
  EXPECT_EQ(quoted->dtype, DType::F64);

  std::pair<const char *, const char *> cases[] = {
      {"{'descr': '<f4', 'fortran_order': 'yes', 'shape': (0,)}",
       "'fortran_order' must be True or False"},
      {"{'descr': '<f4', 'fortran_order': 1, 'shape': (0,)}",
       "'fortran_order' must be True or False"},
      {"{'descr': '<f4', 'shape': (-1,)}",
       "'shape' must be a tuple of non-negative integers"},
      {"{'descr': '<f4', 'shape': (1 2)}",
       "'shape' must be a tuple of non-negative integers"},
      {"{'descr': '<f4', 'shape': (99999999999999999999,)}",
       "'shape' must be a tuple of non-negative integers"},
      {"{'descr': [('a', '<f4')], 'shape': (0,)}",
       "structured arrays are not supported"},
      {"{'descr': '<f4', 'shape': (0,), 'extra': 1}", "unexpected key 'extra'"},
      {"{'descr': '<f4', 'descr': '<f4', 'shape': (0,)}",
       "'descr' appears twice"},
      {"{'descr': '<f4'}", "the dict lacks 'descr' or 'shape'"},
      {"{'descr': '<f4' 'shape': (0,)}",
       "expected ',' or '}' after the value of 'descr'"},
      {"{'descr': '<f4', 'shape': (0,)} trailing", "unexpected text after"},
      {"['descr']", "expected a Python dict"},
      {"{'descr: '<f4'}", "expected ':' after"},
      {"", "expected a Python dict"},
  };
  for (auto [header, message] : cases) {
    auto result = readHeader(header);
    ASSERT_FALSE(result) << header;
    EXPECT_THAT(result.error(), HasSubstr(message)) << header;
    EXPECT_THAT(result.error(), HasSubstr("h.npy: header, at byte "));
  }
}

TEST_F(TensorIO, SafetensorsRoundTripKeepsOrder) {
  NamedTensors tensors = {{"w2", ramp(DType::F32, {3, 2})},
                          {"b", ramp(DType::F64, {2})},
                          {"a", ramp(DType::I32, {})},
                          {"empty", ramp(DType::F32, {0, 2})}};
  ASSERT_TRUE(writeSafetensors(path("p.safetensors"), tensors));
  auto back = readSafetensors(path("p.safetensors"));
  ASSERT_TRUE(back) << back.error();
  ASSERT_EQ(back->size(), tensors.size());
  for (size_t i = 0; i < tensors.size(); ++i) {
    EXPECT_EQ((*back)[i].first, tensors[i].first);
    EXPECT_EQ((*back)[i].second.shape, tensors[i].second.shape);
    EXPECT_EQ((*back)[i].second.bytes, tensors[i].second.bytes);
  }
}

TEST_F(TensorIO, SafetensorsErrors) {
  ASSERT_TRUE(writeSafetensors(path("p.safetensors"),
                               {{"w", ramp(DType::F32, {4, 4})}}));
  std::string good = read(path("p.safetensors"));

  write(path("cut.safetensors"), good.substr(0, good.size() - 4));
  EXPECT_THAT(readSafetensors(path("cut.safetensors")).error(),
              HasSubstr("truncated: tensor 'w' ends at byte 64 of a 60-byte "
                        "data section"));

  write(path("tiny.safetensors"), "abc");
  EXPECT_THAT(readSafetensors(path("tiny.safetensors")).error(),
              HasSubstr("not a safetensors file"));

  std::string badJson = good;
  badJson[8] = '[';
  write(path("json.safetensors"), badJson);
  EXPECT_THAT(readSafetensors(path("json.safetensors")).error(),
              HasSubstr("malformed JSON header"));

  std::string wrongSize = good;
  wrongSize.replace(wrongSize.find("[4,4]"), 5, "[4,5]");
  write(path("size.safetensors"), wrongSize);
  EXPECT_THAT(readSafetensors(path("size.safetensors")).error(),
              HasSubstr("tensor 'w' is f32[4,5] but has 64 bytes"));
}

/// A safetensors file of `header` (JSON) and `dataBytes` zero bytes.
std::string safetensorsFile(const std::string &header, size_t dataBytes) {
  std::string file(8, '\0');
  for (int i = 0; i < 8; ++i)
    file[i] = static_cast<char>((header.size() >> (8 * i)) & 0xff);
  return file + header + std::string(dataBytes, '\0');
}

TEST_F(TensorIO, SafetensorsRefusesOverlapsAndNonStringMetadata) {
  write(path("overlap.safetensors"),
        safetensorsFile(R"({"a": {"dtype": "F32", "shape": [4],
                                  "data_offsets": [0, 16]},
                            "b": {"dtype": "F32", "shape": [2],
                                  "data_offsets": [8, 16]}})",
                        16));
  EXPECT_THAT(readSafetensors(path("overlap.safetensors")).error(),
              HasSubstr("tensors 'a' and 'b' overlap in the data section"));

  write(path("meta.safetensors"),
        safetensorsFile(R"({"__metadata__": {"gradc.epoch": 3}})", 0));
  EXPECT_THAT(readSafetensors(path("meta.safetensors")).error(),
              HasSubstr("metadata gradc.epoch is a number, not a string"));

  // Tensors come back in the order of their data, as the writer laid them.
  write(path("order.safetensors"),
        safetensorsFile(R"({"z": {"dtype": "U8", "shape": [1],
                                  "data_offsets": [0, 1]},
                            "a": {"dtype": "U8", "shape": [1],
                                  "data_offsets": [1, 2]}})",
                        2));
  auto ordered = readSafetensors(path("order.safetensors"));
  ASSERT_TRUE(ordered) << ordered.error();
  ASSERT_EQ(ordered->size(), 2u);
  EXPECT_EQ((*ordered)[0].first, "z");
}

TEST_F(TensorIO, FailedWritesLeaveNoFile) {
  std::string target = path("no/such/dir/out.npy");
  auto status = writeNpy(target, ramp(DType::F32, {2}));
  ASSERT_FALSE(status);
  EXPECT_THAT(status.error(), HasSubstr("cannot write"));
  EXPECT_FALSE(std::ifstream(target).good());
}

TEST_F(TensorIO, WritesRefuseDevicesAndFollowLinksToFiles) {
  for (const char *device : {"/dev/null", "/tmp"}) {
    auto status = writeNpy(device, ramp(DType::F32, {2}));
    ASSERT_FALSE(status) << device;
    EXPECT_THAT(status.error(),
                HasSubstr(std::string(device) + ": not a regular file"));
  }
  std::string link = path("link.npy");
  std::remove(link.c_str());
  ASSERT_EQ(::symlink("/dev/null", link.c_str()), 0);
  EXPECT_THAT(writeNpy(link, ramp(DType::F32, {2})).error(),
              HasSubstr("not a regular file (a device, pipe or socket)"));
  struct stat info;
  ASSERT_EQ(::lstat(link.c_str(), &info), 0);
  EXPECT_TRUE(S_ISLNK(info.st_mode)); // left as it was

  // A link to a regular file: the file is replaced, the link stays.
  std::string target = path("target.npy");
  write(target, "old");
  std::remove(link.c_str());
  ASSERT_EQ(::symlink(target.c_str(), link.c_str()), 0);
  ASSERT_TRUE(writeNpy(link, ramp(DType::F32, {2})));
  ASSERT_EQ(::lstat(link.c_str(), &info), 0);
  EXPECT_TRUE(S_ISLNK(info.st_mode));
  EXPECT_TRUE(readNpy(target));
}

TEST_F(TensorIO, WritesGoThroughUniqueTemporaries) {
  // The temporary is unique and removed: nothing but the file is left.
  std::string directory = path("dir");
  ASSERT_EQ(::mkdir(directory.c_str(), 0755), 0);
  ASSERT_TRUE(writeNpy(directory + "/a.npy", ramp(DType::F32, {2})));
  ASSERT_TRUE(writeNpy(directory + "/a.npy", ramp(DType::F32, {3})));
  std::vector<std::string> names;
  DIR *listing = ::opendir(directory.c_str());
  ASSERT_NE(listing, nullptr);
  while (dirent *entry = ::readdir(listing))
    if (entry->d_name[0] != '.')
      names.push_back(entry->d_name);
  ::closedir(listing);
  EXPECT_EQ(names, std::vector<std::string>{"a.npy"});
  // With the permissions open() would give, not mkstemp's 0600.
  struct stat info;
  ASSERT_EQ(::stat((directory + "/a.npy").c_str(), &info), 0);
  mode_t mask = ::umask(0);
  ::umask(mask);
  EXPECT_EQ(info.st_mode & 0777, 0666 & ~mask);
  std::remove((directory + "/a.npy").c_str());
  ::rmdir(directory.c_str());
}

} // namespace
