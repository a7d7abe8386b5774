//===- TensorIOTest.cpp - .npy and safetensors files ----------------------===//
#include "gradc/Runtime/Tensor.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <iterator>

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
         {std::vector<int64_t>{}, {5}, {3, 4}, {2, 1, 3}}) {
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
  std::string huge = good;
  huge.replace(huge.find("(10, 10)"), 8, "(99999999999, 1000)");
  write(path("huge.npy"), huge);
  EXPECT_THAT(readNpy(path("huge.npy")).error(),
              HasSubstr("truncated: f32[99999999999,1000] needs"));

  EXPECT_THAT(readNpy(path("missing.npy")).error(),
              HasSubstr("missing.npy: cannot open file"));
}

TEST_F(TensorIO, SafetensorsRoundTripKeepsOrder) {
  NamedTensors tensors = {{"w2", ramp(DType::F32, {3, 2})},
                          {"b", ramp(DType::F64, {2})},
                          {"a", ramp(DType::I32, {})}};
  ASSERT_TRUE(writeSafetensors(path("p.safetensors"), tensors));
  auto back = readSafetensors(path("p.safetensors"));
  ASSERT_TRUE(back) << back.error();
  ASSERT_EQ(back->size(), 3u);
  for (size_t i = 0; i < 3; ++i) {
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

TEST_F(TensorIO, FailedWritesLeaveNoFile) {
  std::string target = path("no/such/dir/out.npy");
  auto status = writeNpy(target, ramp(DType::F32, {2}));
  ASSERT_FALSE(status);
  EXPECT_THAT(status.error(), HasSubstr("cannot write"));
  EXPECT_FALSE(std::ifstream(target).good());
  EXPECT_FALSE(std::ifstream(target + ".tmp").good());
}

} // namespace
