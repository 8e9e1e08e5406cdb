#include "gan/data/loader.h"

#include <algorithm>
#include <condition_variable>
#include <exception>
#include <map>
#include <mutex>
#include <numeric>
#include <stdexcept>
#include <string>
#include <thread>

namespace ganforge::data {
namespace {

std::string size_str(const Image& image) {
  return std::to_string(image.channels) + "x" + std::to_string(image.height) + "x" + std::to_string(image.width);
}

}  // namespace

Batch collate(const std::vector<Example>& examples, std::vector<int64_t> indices) {
  if (examples.empty()) throw std::invalid_argument("collate: no examples");
  const Example& first = examples.front();
  Batch batch;
  const int64_t n = static_cast<int64_t>(examples.size());
  for (size_t slot = 0; slot < first.images.size(); ++slot) {
    const Image& shape = first.images[slot];
    Tensor t = empty({n, shape.channels, shape.height, shape.width});
    const size_t per = shape.pixels.size();
    for (int64_t i = 0; i < n; ++i) {
      const Example& e = examples[i];
      if (e.images.size() != first.images.size() || e.images[slot].width != shape.width ||
          e.images[slot].height != shape.height || e.images[slot].channels != shape.channels)
        throw std::runtime_error("collate: example " + std::to_string(indices[i]) + " has image " +
                                 std::to_string(slot) + " of size " +
                                 (slot < e.images.size() ? size_str(e.images[slot]) : std::string("(none)")) +
                                 "; expected " + size_str(shape) + " (set load_size/crop_size to make sizes equal)");
      to_floats(e.images[slot], static_cast<float*>(t.data_ptr()) + per * i);
    }
    batch.images.push_back(t);
  }
  std::vector<int64_t> labels;
  for (const Example& e : examples) labels.push_back(e.label);
  batch.labels = from_vector(labels, {n});
  batch.indices = std::move(indices);
  return batch;
}

struct DataLoader::Epoch::State {
  std::shared_ptr<const Dataset> dataset;
  LoaderOptions options;
  uint64_t epoch = 0;
  std::vector<int64_t> order;
  int64_t batches = 0;

  std::mutex mutex;
  std::condition_variable changed;
  int64_t next_to_make = 0;
  int64_t next_to_take = 0;
  bool stop = false;
  std::map<int64_t, Batch> ready;
  std::map<int64_t, std::exception_ptr> failed;
  std::vector<std::thread> workers;

  Batch make(int64_t b) const {
    const int64_t begin = (b * options.world + options.rank) * options.batch_size;
    const int64_t end = std::min<int64_t>(begin + options.batch_size, static_cast<int64_t>(order.size()));
    std::vector<Example> examples;
    std::vector<int64_t> indices;
    for (int64_t position = begin; position < end; ++position) {
      SampleRng rng(options.seed, example_stream(epoch, static_cast<uint64_t>(position)));
      examples.push_back(dataset->get(order[position], rng));
      indices.push_back(order[position]);
    }
    return collate(examples, std::move(indices));
  }

  void work() {
    std::unique_lock lock(mutex);
    while (true) {
      changed.wait(lock, [&] {
        return stop || next_to_make >= batches || next_to_make < next_to_take + options.queue_size;
      });
      if (stop || next_to_make >= batches) return;
      const int64_t b = next_to_make++;
      lock.unlock();
      std::optional<Batch> batch;
      std::exception_ptr error;
      try {
        batch = make(b);
      } catch (...) {
        error = std::current_exception();
      }
      lock.lock();
      if (error)
        failed[b] = error;
      else
        ready.emplace(b, std::move(*batch));
      changed.notify_all();
    }
  }

  void shutdown() {
    {
      std::lock_guard lock(mutex);
      stop = true;
    }
    changed.notify_all();
    for (std::thread& t : workers) t.join();
    workers.clear();
  }
};

DataLoader::DataLoader(std::shared_ptr<const Dataset> dataset, LoaderOptions options)
    : dataset_(std::move(dataset)), options_(options) {
  if (!dataset_) throw std::invalid_argument("DataLoader: no data set");
  if (options_.batch_size <= 0) throw std::invalid_argument("DataLoader: batch_size must be positive");
  if (options_.workers < 0) throw std::invalid_argument("DataLoader: workers must be >= 0");
  if (options_.queue_size < 1) throw std::invalid_argument("DataLoader: queue_size must be >= 1");
  if (options_.world < 1 || options_.rank < 0 || options_.rank >= options_.world)
    throw std::invalid_argument("DataLoader: rank " + std::to_string(options_.rank) + " of world " +
                                std::to_string(options_.world) + "; expected 0 <= rank < world");
  if (options_.world > 1 && !options_.drop_last)
    throw std::invalid_argument("DataLoader: a loader sharded over ranks needs drop_last (every rank takes a full batch)");
}

int64_t DataLoader::batches_per_epoch() const {
  const int64_t n = dataset_->size(), global_batch = options_.batch_size * options_.world;
  return options_.drop_last ? n / global_batch : (n + global_batch - 1) / global_batch;
}

DataLoader::Epoch DataLoader::epoch(uint64_t epoch) const {
  auto state = std::make_unique<Epoch::State>();
  state->dataset = dataset_;
  state->options = options_;
  state->epoch = epoch;
  state->order.resize(static_cast<size_t>(dataset_->size()));
  std::iota(state->order.begin(), state->order.end(), int64_t{0});
  if (options_.shuffle) {
    SampleRng rng(options_.seed, shuffle_stream(epoch));
    for (int64_t i = static_cast<int64_t>(state->order.size()) - 1; i > 0; --i)
      std::swap(state->order[i], state->order[rng.below(i + 1)]);
  }
  state->batches = batches_per_epoch();
  for (int w = 0; w < options_.workers; ++w) state->workers.emplace_back([s = state.get()] { s->work(); });
  return Epoch(std::move(state));
}

DataLoader::Epoch::Epoch(std::unique_ptr<State> state) : state_(std::move(state)) {}
DataLoader::Epoch::Epoch(Epoch&&) noexcept = default;

DataLoader::Epoch::~Epoch() {
  if (state_) state_->shutdown();
}

std::optional<Batch> DataLoader::Epoch::next() {
  State& s = *state_;
  std::unique_lock lock(s.mutex);
  if (s.next_to_take >= s.batches) return std::nullopt;
  const int64_t b = s.next_to_take;
  if (s.workers.empty()) {
    s.next_to_take++;
    lock.unlock();
    try {
      return s.make(b);
    } catch (...) {
      s.next_to_take = s.batches;  // the epoch ends with its first error
      throw;
    }
  }
  s.changed.wait(lock, [&] { return s.ready.contains(b) || s.failed.contains(b); });
  if (auto it = s.failed.find(b); it != s.failed.end()) {
    std::exception_ptr error = it->second;
    s.next_to_take = s.batches;  // the epoch ends with its first error
    lock.unlock();
    s.shutdown();
    std::rethrow_exception(error);
  }
  Batch batch = std::move(s.ready.at(b));
  s.ready.erase(b);
  s.next_to_take++;
  s.changed.notify_all();
  return batch;
}

}  // namespace ganforge::data
