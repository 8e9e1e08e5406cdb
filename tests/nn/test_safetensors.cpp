// safetensors: the exact byte layout, round trips of every dtype and of a whole model's
// state dict, strict loading, digests, atomic writes, capped reads of regular files only, and
// one clear error for each kind of bad file.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>

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

// A folder of this process's own (ctest runs test cases in parallel processes).
std::filesystem::path scratch(const std::string& name) {
  const std::filesystem::path p =
      std::filesystem::path(::testing::TempDir()) / ("safetensors_" + std::to_string(::getpid()) + "_" + name);
  std::filesystem::remove_all(p);
  std::filesystem::create_directories(p);
  return p;
}

// `bytes` with its header's __metadata__ changed by `edit` (the data stays as it is).
std::string with_metadata(const std::string& bytes, const std::function<void(nlohmann::json&)>& edit) {
  uint64_t length = 0;
  std::memcpy(&length, bytes.data(), 8);
  nlohmann::json header = nlohmann::json::parse(bytes.substr(8, length));
  edit(header["__metadata__"]);
  return file_of(header.dump(), bytes.substr(8 + length));
}

const StateDict two_tensors{{"a", from_vector(std::vector<float>{1.5f, -2.0f}, {2})},
                            {"b", from_vector(std::vector<int64_t>{7, 8, 9}, {3})}};

TEST(Safetensors, ByteLayoutIsTheFormatsOwn) {
  StateDict tensors{{"b", from_vector(std::vector<float>{1.5f, -2.0f}, {2})},
                    {"a", from_vector(std::vector<int64_t>{7}, Shape{})}};
  const std::string bytes = encode_safetensors(tensors, {{"format", "pt"}});
  uint64_t header_length = 0;
  std::memcpy(&header_length, bytes.data(), 8);
  EXPECT_EQ(header_length % 8, 0u);  // padded with spaces so the data is 8-byte aligned
  const std::string header = bytes.substr(8, header_length);
  expect_mentions(header, {R"("__metadata__":{"digest":"xxh3-128","digest.a":")", R"(","format":"pt"})",
                           R"("a":{"data_offsets":[0,8],"dtype":"I64","shape":[]})",
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
  EXPECT_EQ(loaded.metadata, (Metadata{{"step", "12"}}));  // the digests are checked and taken out
  EXPECT_TRUE(loaded.verified);
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

TEST(Safetensors, ADigestFindsAChangedByteAndNamesTheTensor) {
  const std::string bytes = encode_safetensors(two_tensors);
  for (size_t i = 0; i < 8 + 24; ++i) {  // every byte of both tensors' data, b's last
    std::string damaged = bytes;
    damaged[damaged.size() - 1 - i] ^= 0x10;
    expect_mentions(decode_error(damaged), {"bad.safetensors", i < 24 ? "tensor 'b'" : "tensor 'a'",
                                            "do not match their xxh3-128 digest", "damaged"});
  }
  const std::string digest_a = nlohmann::json::parse(bytes.substr(8, bytes.size() - 8 - 32))["__metadata__"]["digest.a"];
  EXPECT_EQ(digest_a.size(), 32u);
  expect_mentions(decode_error(with_metadata(bytes, [](nlohmann::json& m) { m.erase("digest"); })),
                  {"no \"digest\" entry"});
  expect_mentions(decode_error(with_metadata(bytes, [](nlohmann::json& m) { m["digest"] = "md5"; })),
                  {"\"digest\" names an algorithm other than xxh3-128"});
  expect_mentions(decode_error(with_metadata(bytes, [](nlohmann::json& m) { m.erase("digest.b"); })),
                  {"tensor 'b' has no digest"});
  expect_mentions(decode_error(with_metadata(bytes, [](nlohmann::json& m) { m["digest.c"] = m["digest.a"]; })),
                  {"a digest of 'c', which is no tensor"});
  expect_mentions(decode_error(with_metadata(bytes, [&](nlohmann::json& m) { m["digest.b"] = digest_a; })),
                  {"tensor 'b': its bytes do not match"});
  expect_mentions(message_of<std::invalid_argument>([] { encode_safetensors({}, {{"digest.x", "0"}}); }),
                  {"'digest.x' is reserved"});
}

// Files written by PyTorch, or by GANForge before it wrote digests, have none: they load, unverified.
TEST(Safetensors, AFileWithoutDigestsLoadsUnverified) {
  const std::string bytes = with_metadata(encode_safetensors(two_tensors, {{"format", "pt"}}), [](nlohmann::json& m) {
    m = {{"format", "pt"}};
  });
  const SafetensorsFile loaded = decode_safetensors(bytes);
  EXPECT_FALSE(loaded.verified);
  EXPECT_EQ(loaded.metadata, (Metadata{{"format", "pt"}}));
  EXPECT_EQ(loaded.tensors.at("b").to_vector<int64_t>(), (std::vector<int64_t>{7, 8, 9}));
}

TEST(Safetensors, ErrorsNeverQuoteTheFile) {
  const std::string secret = "root:x:0:0:SECRET";
  const std::string data(8, '\0');
  for (const std::string& header : {secret, "{\"t\": \"" + secret + "\"}", "{\"__metadata__\": {\"k\": [\"" + secret + "\"]}}",
                                    R"({"t":{"dtype":"F32","shape":[")" + secret + R"("],"data_offsets":[0,8]}})"}) {
    const std::string message = decode_error(file_of(header, data));
    EXPECT_EQ(message.find("SECRET"), std::string::npos) << message;
  }
  expect_mentions(decode_error(file_of(secret, data)), {"not valid JSON (at byte 9)"});
}

TEST(Safetensors, DeepOrAliasedHeadersAreRefusedBeforeTheyCostMemory) {
  expect_mentions(decode_error(file_of(std::string(50000, '[') + std::string(50000, ']'), "")), {"nests JSON deeper"});
  expect_mentions(decode_error(file_of(R"({"t":{"dtype":"F32","shape":[[]],"data_offsets":[0,8]}})", std::string(8, '\0'))),
                  {"shape entries must be a non-negative integer; got an array"});
  // Tensors naming the same megabyte: refused before any is allocated.
  nlohmann::json header;
  for (int i = 0; i < 100; ++i) header[std::to_string(i)] = {{"dtype", "F32"}, {"shape", {1 << 18}}, {"data_offsets", {0, 1 << 20}}};
  expect_mentions(decode_error(file_of(header.dump(), std::string(1 << 20, '\0'))), {"overlaps the data of another tensor"});
}

TEST(Safetensors, OnlyRegularFilesOfBoundedSizeAreRead) {
  const std::filesystem::path dir = scratch("kinds");
  const std::string real = (dir / "real.safetensors").string();
  save_safetensors(real, two_tensors);
  std::filesystem::create_symlink(real, dir / "link.safetensors");
  expect_mentions(message_of<SafetensorsError>([&] { load_safetensors((dir / "link.safetensors").string()); }),
                  {"link.safetensors", "is a symbolic link; expected a regular file"});
  ASSERT_EQ(::mkfifo((dir / "fifo.safetensors").c_str(), 0600), 0);
  expect_mentions(message_of<SafetensorsError>([&] { load_safetensors((dir / "fifo.safetensors").string()); }),
                  {"fifo.safetensors", "is a FIFO"});  // answered at once: opening it does not wait for a writer
  expect_mentions(message_of<SafetensorsError>([] { load_safetensors("/dev/zero"); }), {"/dev/zero", "is a device"});
  expect_mentions(message_of<SafetensorsError>([&] { load_safetensors(dir.string()); }), {"is a folder"});
  std::filesystem::resize_file(real, kMaxSafetensorsBytes + 1);  // sparse: costs no disk
  expect_mentions(message_of<SafetensorsError>([&] { load_safetensors(real); }),
                  {"real.safetensors", "is 4294967297 bytes; expected at most 4294967296"});
  expect_mentions(message_of<FileError>([] { read_regular_file("/proc/self/status", 16); }), {"grew past 16 bytes"});
  std::filesystem::remove_all(dir);
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
