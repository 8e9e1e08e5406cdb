// safetensors: the exact byte layout, round trips of every dtype and of a whole model's
// state dict, strict loading, atomic writes, and one clear error for each kind of bad file.
#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <fstream>

#include "core/ganforge.h"
#include "nn/nn.h"
#include "tests/core/expect_error.h"

using namespace ganforge;
using namespace ganforge::nn;
using ganforge::testing::expect_mentions;
using ganforge::testing::message_of;

namespace {

// A file of the given header text and data bytes, with a correct header length.
std::string file_of(const std::string& header, const std::string& data) {
  std::string out(8, '\0');
  const uint64_t n = header.size();
  std::memcpy(out.data(), &n, 8);
  return out + header + data;
}

std::string decode_error(const std::string& bytes) {
  return message_of<SafetensorsError>([&] { decode_safetensors(bytes, "bad.safetensors"); });
}

TEST(Safetensors, ByteLayoutIsTheFormatsOwn) {
  StateDict tensors{{"b", from_vector(std::vector<float>{1.5f, -2.0f}, {2})},
                    {"a", from_vector(std::vector<int64_t>{7}, Shape{})}};
  const std::string bytes = encode_safetensors(tensors, {{"format", "pt"}});
  uint64_t header_length = 0;
  std::memcpy(&header_length, bytes.data(), 8);
  EXPECT_EQ(header_length % 8, 0u);  // padded with spaces so the data is 8-byte aligned
  const std::string header = bytes.substr(8, header_length);
  expect_mentions(header, {R"("__metadata__":{"format":"pt"})", R"("a":{"data_offsets":[0,8],"dtype":"I64","shape":[]})",
                           R"("b":{"data_offsets":[8,16],"dtype":"F32","shape":[2]})"});
  ASSERT_EQ(bytes.size(), 8 + header_length + 16);
  float b[2];
  std::memcpy(b, bytes.data() + 8 + header_length + 8, 8);
  EXPECT_EQ(b[0], 1.5f);
  EXPECT_EQ(b[1], -2.0f);
}

TEST(Safetensors, EveryDtypeAndEmptyTensorsRoundTrip) {
  StateDict tensors{{"f32", randn({3, 4})},
                    {"f64", randn({2, 1, 5}, TensorOptions{}.with_dtype(DType::F64))},
                    {"i64", arange(6).reshape({2, 3})},
                    {"scalar", scalar_tensor(3.25)},
                    {"empty", zeros({0, 4})}};
  const std::string path = ::testing::TempDir() + "/round_trip.safetensors";
  save_safetensors(path, tensors, {{"step", "12"}});
  const SafetensorsFile loaded = load_safetensors(path);
  EXPECT_EQ(loaded.metadata.at("step"), "12");
  ASSERT_EQ(loaded.tensors.size(), tensors.size());
  for (const auto& [name, t] : tensors) {
    const Tensor& got = loaded.tensors.at(name);
    EXPECT_EQ(got.shape(), t.shape()) << name;
    EXPECT_EQ(got.dtype(), t.dtype()) << name;
    EXPECT_EQ(got.to(DType::F64).to_vector<double>(), t.to(DType::F64).to_vector<double>()) << name;
  }
  std::filesystem::remove(path);
}

std::shared_ptr<Sequential> small_model() {
  return make<Sequential>(std::initializer_list<std::shared_ptr<Module>>{
      make<Conv2d>(1, 4, 3, Conv2dOptions{.padding = 1}), make<BatchNorm2d>(4), make<LeakyReLU>(0.2), make<Flatten>(),
      make<Linear>(4 * 5 * 5, 2)});
}

TEST(Safetensors, ModelSaveLoadGivesIdenticalOutputs) {
  manual_seed(1);
  auto model = small_model();
  (*model)(randn({6, 1, 5, 5}));  // moves the running statistics away from their initial values
  model->eval();
  const std::string path = ::testing::TempDir() + "/model.safetensors";
  save_safetensors(path, model->state_dict());
  manual_seed(2);
  auto loaded = small_model();
  loaded->load_state_dict(load_safetensors(path).tensors);
  loaded->eval();
  Tensor x = randn({3, 1, 5, 5});
  EXPECT_EQ((*model)(x).to_vector<float>(), (*loaded)(x).to_vector<float>());
  EXPECT_EQ(load_safetensors(path).tensors.count("1.num_batches_tracked"), 1u);
  std::filesystem::remove(path);
}

TEST(Safetensors, StrictLoadingListsEveryProblemAndChangesNothing) {
  auto model = small_model();
  StateDict state = model->state_dict();
  state.erase("0.bias");
  state["4.weight"] = zeros({3, 100});
  state["1.running_mean"] = zeros({4}, TensorOptions{}.with_dtype(DType::F64));
  state["extra.weight"] = zeros({1});
  const std::vector<float> before = model->parameters()[0].to_vector<float>();
  const std::string message = message_of<std::invalid_argument>([&] { model->load_state_dict(state); });
  expect_mentions(message, {"missing key '0.bias'", "'4.weight' has shape [3, 100]", "[2, 100] in the module",
                            "'1.running_mean' has dtype f64", "unexpected key 'extra.weight'"});
  EXPECT_EQ(model->parameters()[0].to_vector<float>(), before);
}

TEST(Safetensors, CorruptFilesGiveOneClearError) {
  const std::string data(8, '\0');
  const std::string ok_entry = R"({"t":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})";
  ASSERT_NO_THROW(decode_safetensors(file_of(ok_entry, data)));
  expect_mentions(decode_error("abc"), {"bad.safetensors", "truncated", "8-byte header length"});
  std::string long_header = file_of(ok_entry, data);
  const uint64_t huge = 1u << 20;
  std::memcpy(long_header.data(), &huge, 8);
  expect_mentions(decode_error(long_header), {"header length 1048576 runs past the end"});
  expect_mentions(decode_error(file_of(ok_entry, data).substr(0, 30)), {"runs past the end"});
  expect_mentions(decode_error(file_of("{\"t\": [1,", data)), {"not valid JSON"});
  expect_mentions(decode_error(file_of("[1, 2]", "")), {"must be a JSON object"});
  expect_mentions(decode_error(file_of(R"({"t":{"dtype":"Q7","shape":[2],"data_offsets":[0,8]}})", data)),
                  {"tensor 't'", "dtype 'Q7'", "F32, F64 and I64"});
  expect_mentions(decode_error(file_of(R"({"t":{"dtype":"F32","shape":[2],"data_offsets":[0,16]}})", data)),
                  {"outside the 8 data bytes"});
  expect_mentions(decode_error(file_of(R"({"t":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}})", data)),
                  {"holds 8 bytes", "need 12"});
  expect_mentions(decode_error(file_of(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
                                       R"("b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})",
                                       data)),
                  {"overlaps"});
  expect_mentions(decode_error(file_of(R"({"t":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})", data)),
                  {"data bytes [0, 4) belong to no tensor"});
  expect_mentions(decode_error(file_of(R"({"t":{"dtype":"F32","shape":[-1],"data_offsets":[0,8]}})", data)),
                  {"non-negative integer"});
  expect_mentions(decode_error(file_of(R"({"t":{"dtype":"F32","shape":[2]}})", data)), {"data_offsets"});
  expect_mentions(message_of<SafetensorsError>([] { load_safetensors("/nonexistent/x.safetensors"); }),
                  {"/nonexistent/x.safetensors", "cannot open"});
}

TEST(AtomicFile, TheOldFileSurvivesAnUnfinishedWrite) {
  const std::string folder = ::testing::TempDir() + "/atomic";
  std::filesystem::create_directories(folder);
  const std::string path = folder + "/weights.bin";
  write_file_atomically(path, "old");
  {
    AtomicFile file(path);
    file.write("new but never committed");
  }  // dropped: as if the program died mid-write
  std::ifstream in(path);
  std::string content((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(content, "old");
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(folder), std::filesystem::directory_iterator()), 1);
  write_file_atomically(path, "new");
  std::ifstream again(path);
  EXPECT_EQ(std::string((std::istreambuf_iterator<char>(again)), std::istreambuf_iterator<char>()), "new");
  expect_mentions(message_of<std::runtime_error>([] { write_file_atomically("/nonexistent/dir/f", "x"); }),
                  {"/nonexistent/dir/f", "temporary file"});
  std::filesystem::remove_all(folder);
}

}  // namespace
