#include "gan/train/trainer.h"

#include <unistd.h>

#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <map>
#include <sstream>
#include <nlohmann/json.hpp>

#include "core/dispatch.h"
#include "dist/gradient_averager.h"
#include "dist/replicas.h"
#include "gan/data/grid.h"
#include "gan/train/append_file.h"
#include "gan/train/checkpoint.h"
#include "gan/train/data_source.h"
#include "gan/train/divergence.h"
#include "gan/train/evaluate.h"
#include "gan/train/memory_estimate.h"
#include "gan/train/plot.h"
#include "gan/train/profile_files.h"
#include "gan/train/run_lock.h"
#include "gan/train/stop_signals.h"

namespace fs = std::filesystem;

namespace ganforge::gan {
namespace {

using Clock = std::chrono::steady_clock;

std::string duration(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0) return "?";
  char text[32];
  const long s = std::lround(seconds);
  if (s >= 3600)
    std::snprintf(text, sizeof text, "%ldh%02ldm", s / 3600, s / 60 % 60);
  else
    std::snprintf(text, sizeof text, "%ldm%02lds", s / 60, s % 60);
  return text;
}

// One line per evaluation: the step and the headline metrics.
std::string eval_summary(const EvalReport& report, const std::string& primary, bool best) {
  std::ostringstream s;
  s << "eval at step " << report.step << ":";
  for (const Metric& m : report.metrics)
    if (m.name == primary || m.name == "inception_score" || m.name == "classes_covered" || m.name == "label_accuracy" ||
        m.name == "code_accuracy" || m.name == "sample_spread" || m.name == "psnr" || m.name == "ssim")
      s << "  " << m.name << " " << std::setprecision(4) << m.value;
  s << (best ? "  (best so far: checkpoint kept)" : "") << "  " << std::fixed << std::setprecision(1) << report.seconds << " s";
  return s.str();
}

std::string padded(int64_t value, int width) {
  char text[32];
  std::snprintf(text, sizeof text, "%0*lld", width, static_cast<long long>(value));
  return text;
}

// The log of a run: kept in memory for the loss curve, appended to log.jsonl.
class RunLog {
 public:
  // Reads what an earlier part of this run logged, dropping entries past `step` (written
  // after the checkpoint that the run resumes from).
  RunLog(const fs::path& path, int64_t step) : curves_(kept_entries(path, step)), file_(path.string()) {}

  void add(int64_t step, int64_t epoch, const StepValues& values, double images_per_second) {
    nlohmann::json entry;
    entry["step"] = step;
    entry["epoch"] = epoch;
    for (const auto& [name, v] : values) entry[name] = v;
    entry["images_per_s"] = images_per_second;
    file_.append(entry.dump() + "\n");
    remember(curves_, entry);
  }

  // An evaluation's metrics, as {"step", "epoch", "eval": {name: value, ...}}.
  void add_eval(int64_t step, int64_t epoch, const EvalReport& report) {
    nlohmann::json entry;
    entry["step"] = step;
    entry["epoch"] = epoch;
    for (const Metric& m : report.metrics) entry["eval"][m.name] = m.value;
    file_.append(entry.dump() + "\n");
    remember(curves_, entry);
  }

  // Puts the lines added so far on disk (before a checkpoint, and at the end).
  void sync() { file_.sync(); }

  // The losses; below them, when the run is evaluated, the metric that picks its best checkpoint.
  void plot(const fs::path& png, const std::string& title, const std::string& eval_metric) const {
    const auto curve = curves_.find("eval." + eval_metric);
    if (eval_metric.empty() || curve == curves_.end()) {
      data::write_png(png, loss_plot(title));
      return;
    }
    Series s{eval_metric, {}, {}};
    for (const auto& [step, v] : curve->second) {
      s.steps.push_back(static_cast<double>(step));
      s.values.push_back(v);
    }
    data::write_png(png, stacked(loss_plot(title), plot_curves({s}, {.height = 300, .title = eval_metric + " (evaluations)"})));
  }

 private:
  using Curves = std::map<std::string, std::vector<std::pair<int64_t, double>>>;

  data::Image loss_plot(const std::string& title) const {
    std::vector<Series> series;
    for (const auto& [name, points] : curves_) {
      if (name.rfind("loss", 0) != 0) continue;  // the curve shows losses; D(x) and D(G(z)) are in the log
      Series s{name, {}, {}};
      for (const auto& [step, v] : points) {
        s.steps.push_back(static_cast<double>(step));
        s.values.push_back(v);
      }
      series.push_back(std::move(s));
    }
    const size_t points = series.empty() ? 0 : series.front().steps.size();
    return plot_curves(series, {.title = title, .smoothing = points > 40 ? static_cast<int>(points / 20) : 0});
  }

  // `top` above `bottom`, both as wide.
  static data::Image stacked(const data::Image& top, const data::Image& bottom) {
    data::Image both(top.width, top.height + bottom.height, top.channels);
    std::copy(top.pixels.begin(), top.pixels.end(), both.pixels.begin());
    std::copy(bottom.pixels.begin(), bottom.pixels.end(), both.pixels.begin() + static_cast<std::ptrdiff_t>(top.pixels.size()));
    return both;
  }

  static void remember(Curves& curves, const nlohmann::json& entry) {
    const int64_t step = entry["step"].get<int64_t>();
    for (const auto& [key, value] : entry.items())
      if (key == "eval" && value.is_object()) {
        for (const auto& [name, metric] : value.items())
          if (metric.is_number()) curves["eval." + name].emplace_back(step, metric.get<double>());
      } else if (key != "step" && key != "epoch" && key != "images_per_s" && value.is_number()) {
        curves[key].emplace_back(step, value.get<double>());
      }
  }

  // The log of a resumed run is read like every file of a run folder: a regular file of bounded
  // size (a link, FIFO or device is refused unread).
  static Curves kept_entries(const fs::path& path, int64_t step) {
    constexpr uint64_t kMaxLogBytes = uint64_t{256} << 20;
    Curves curves;
    std::error_code absent;
    std::istringstream in(fs::symlink_status(path, absent).type() == fs::file_type::not_found
                              ? std::string()
                              : nn::read_regular_file(path.string(), kMaxLogBytes));
    std::string line, kept;
    while (std::getline(in, line)) {
      if (line.empty()) continue;
      nlohmann::json entry = nlohmann::json::parse(line, nullptr, false);
      if (entry.is_discarded() || !entry.contains("step") || !entry["step"].is_number_integer() ||
          entry["step"].get<int64_t>() > step)
        continue;
      remember(curves, entry);
      kept += line + "\n";
    }
    nn::write_file_atomically(path.string(), kept);
    return curves;
  }

  Curves curves_;
  AppendFile file_;
};

// The live progress line.
class Progress {
 public:
  // `may_redraw`: false under mpirun, which gives each rank a terminal of its own whatever its
  // own output is (a file, a pipe): plain lines then.
  Progress(std::ostream& out, int64_t total_steps, int64_t steps_per_epoch, int64_t batch, bool may_redraw)
      : out_(out), total_(total_steps), per_epoch_(steps_per_epoch), batch_(batch),
        terminal_(may_redraw && &out == &std::cout && ::isatty(STDOUT_FILENO)) {}

  double images_per_second() const { return rate_; }

  void update(int64_t step, const StepValues& values, double step_seconds, bool log_line) {
    rate_ = rate_ == 0 ? batch_ / step_seconds : 0.9 * rate_ + 0.1 * batch_ / step_seconds;
    if (!terminal_ && !log_line) return;
    const auto now = Clock::now();
    if (terminal_ && !log_line && step != total_ && now - last_draw_ < std::chrono::milliseconds(100)) return;
    last_draw_ = now;
    std::string line = "epoch " + std::to_string((step - 1) / per_epoch_ + 1) + "/" +
                       std::to_string((total_ + per_epoch_ - 1) / per_epoch_) + "  step " + std::to_string(step) + "/" +
                       std::to_string(total_);
    char field[64];
    for (const auto& [name, v] : values) {
      std::snprintf(field, sizeof field, "  %s %.4f", name.c_str(), v);
      line += field;
    }
    std::snprintf(field, sizeof field, "  %.1f img/s  ETA %s", rate_,
                  duration(static_cast<double>(total_ - step) * batch_ / rate_).c_str());
    line += field;
    if (terminal_)
      out_ << "\r" << line << "\033[K" << (step == total_ ? "\n" : "") << std::flush;
    else
      out_ << line << "\n" << std::flush;
  }

  // Prints a message on its own line (above the live line on a terminal).
  void note(const std::string& message) {
    if (terminal_) out_ << "\r\033[K";
    out_ << message << "\n" << std::flush;
  }

 private:
  std::ostream& out_;
  int64_t total_, per_epoch_, batch_;
  bool terminal_;
  double rate_ = 0;
  Clock::time_point last_draw_{};
};

void write_samples(Recipe& recipe, const fs::path& run, const std::string& stem) {
  fs::create_directories(run / "samples");
  for (const SampleGrid& grid : recipe.sample_grids())
    data::write_png(run / "samples" / (stem + (grid.name.empty() ? "" : "-" + grid.name) + ".png"), grid.image);
}

// What the ranks of a data-parallel run agree on after every step, in one all-reduce: the step
// values (each rank's losses on its share of the batch), averaged, and the signal that stops
// training if any rank got one (SIGTERM before SIGINT). It runs every step, whatever the step
// does: a collective called by some ranks only would pair with another's next gradient sum.
struct AfterStep {
  StepValues values;
  int stop_signal = 0;
};

AfterStep agree_after_step(dist::ProcessGroup& group, StepValues values, int signal) {
  if (group.world() == 1) return {std::move(values), signal};
  std::vector<float> numbers;
  for (const auto& [name, v] : values) numbers.push_back(static_cast<float>(v));
  numbers.push_back(signal == SIGINT ? 1 : 0);
  numbers.push_back(signal == SIGTERM ? 1 : 0);
  const Tensor sum = from_vector(numbers, {static_cast<int64_t>(numbers.size())});
  group.sum(sum);
  const std::vector<float> total = sum.to_vector<float>();
  for (size_t i = 0; i < values.size(); ++i) values[i].second = total[i] / group.world();
  const float interrupts = total[values.size()], terminations = total[values.size() + 1];
  return {std::move(values), terminations > 0 ? SIGTERM : interrupts > 0 ? SIGINT : 0};
}

// What the gradient averaging cost a step, in the line a data-parallel run ends with.
std::string reduce_summary(const std::vector<std::shared_ptr<dist::GradientAverager>>& averagers, int64_t steps,
                           double train_seconds, const dist::ProcessGroup& group, DeviceType device) {
  dist::ReduceTotals sum;
  int64_t buckets = 0;
  for (const auto& a : averagers) {
    sum.bytes += a->totals().bytes;
    sum.seconds += a->totals().seconds;
    buckets += a->buckets();
  }
  char text[256];
  std::snprintf(text, sizeof text,
                "gradient all-reduce over %d ranks (%s): %.2f MB a step in %lld buckets, %.1f ms a step on rank 0 "
                "(%.1f%% of its training time)",
                group.world(), group.transport(device).c_str(), static_cast<double>(sum.bytes) / steps / 1e6,
                static_cast<long long>(buckets), 1e3 * sum.seconds / steps, 100 * sum.seconds / train_seconds);
  return text;
}

// Data-parallel runs: every network takes rank 0's weights (and, with sync_bn, batch norm over
// every rank's batch), and every optimizer averages its gradients over the ranks before it steps.
std::vector<std::shared_ptr<dist::GradientAverager>> make_replicas(dist::ProcessGroup& group, Recipe& recipe,
                                                                   bool sync_bn) {
  std::vector<std::shared_ptr<dist::GradientAverager>> averagers;
  if (group.world() == 1) return averagers;
  for (auto& [name, net] : recipe.networks()) {
    if (sync_bn) dist::sync_batch_norm(group, *net);
    dist::broadcast_from_rank0(group, *net);
  }
  for (auto& [name, optimizer] : recipe.optimizers()) averagers.push_back(dist::GradientAverager::attach(group, *optimizer));
  return averagers;
}

// What the start line adds after a math mode other than fp32: how these kernels honour it.
std::string math_note(const kernels::Backend& backend, MathMode math) {
  if (math == MathMode::Fp32 || backend.device_type() != DeviceType::CPU) return "";
  if (!backend.follows_math()) return std::string(" (the ") + backend.name() + " kernels compute in fp32 in every mode)";
  return " (operands rounded as tensor cores do, FP32 sums)";
}

data::Batch fixed_examples(const data::Dataset& dataset, uint64_t seed, int64_t count) {
  std::vector<data::Example> examples;
  std::vector<int64_t> indices;
  const int64_t n = std::min<int64_t>(count, dataset.size());
  for (int64_t i = 0; i < n; ++i) {
    data::SampleRng rng(seed, ~uint64_t{0} - static_cast<uint64_t>(i));  // a stream no epoch uses
    examples.push_back(dataset.get(i * (dataset.size() / n), rng));
    indices.push_back(i * (dataset.size() / n));
  }
  return data::collate(examples, indices);
}

}  // namespace

TrainResult train(const TrainOptions& requested, std::ostream& shown, const std::optional<fs::path>& resume,
                  int64_t profile_steps) {
  TrainOptions options = resume ? requested : resolve_options(requested);
  dist::ProcessGroup& group = dist::world_group();
  const int world = group.world();
  const bool writer = group.rank() == 0;  // rank 0 alone writes the run folder and prints
  std::ostream silent(nullptr);
  std::ostream& out = writer ? shown : silent;
  if (!options.kernels.empty()) set_kernels(options.kernels);
  const Device device = parse_device(options.device);
  if (device.type == DeviceType::CUDA && world > 1) dist::select_local_gpu(group.local_rank());
  const MathMode math = parse_math(options.math);
  backend_for(device).check_math(math);
  set_math(math);
  const fs::path run = options.out;
  std::optional<RunLock> lock;
  if (writer) lock.emplace(run);  // before anything in the folder is read or written
  if (!resume && fs::exists(run / "latest_checkpoint"))
    throw std::invalid_argument(run.string() + " already holds a training run; continue it with --resume, or train into another --out");

  DataSource source = open_training_data(options);
  if (resume && (source.channels != options.channels || source.classes != options.classes))
    throw std::invalid_argument("the data set has " + std::to_string(source.channels) + " channels and " +
                                std::to_string(source.classes) + " classes, but the checkpoint was trained on " +
                                std::to_string(options.channels) + " and " + std::to_string(options.classes));
  options.channels = source.channels;
  options.classes = source.classes;
  check_memory(options, device, nullptr);  // before building anything: building can be the allocation that fails
  if (writer) nn::write_file_atomically((run / "options.json").string(), options_to_json(options) + "\n");

  data::DataLoader loader(source.train, {.batch_size = options.batch, .shuffle = true, .drop_last = true,
                                         .seed = options.seed, .workers = options.workers, .rank = group.rank(),
                                         .world = world});
  const int64_t per_epoch = loader.batches_per_epoch();
  if (per_epoch == 0)
    throw std::invalid_argument("the data set has " + std::to_string(source.train->size()) +
                                " examples, fewer than one batch of " + std::to_string(options.batch * world) +
                                (world > 1 ? " (" + std::to_string(world) + " ranks of " + std::to_string(options.batch) + ")" : ""));
  if (group.max(per_epoch) != per_epoch || group.max(source.train->size()) != source.train->size())
    throw std::invalid_argument("the ranks see different data: " + std::to_string(source.train->size()) +
                                " examples here, more on another rank (every rank must read the same data set)");
  const int64_t total = options.steps > 0 ? options.steps : options.epochs * per_epoch;

  manual_seed(options.seed);
  data::Batch fixed = fixed_examples(*source.train, options.seed, 4);
  for (Tensor& t : fixed.images) t = t.to(device);
  std::unique_ptr<Recipe> recipe = make_recipe(options, device, fixed);
  check_memory(options, device, recipe.get());
  const std::vector<std::shared_ptr<dist::GradientAverager>> averagers = make_replicas(group, *recipe, options.sync_bn);
  int64_t step = 0;
  TrainResult result;
  if (resume) {
    const CheckpointState state = read_checkpoint_state(*resume);
    if (state.world_size != world)
      throw std::invalid_argument("the run was trained on " + std::to_string(state.world_size) + " rank" +
                                  (state.world_size == 1 ? "" : "s") + " and this job has " + std::to_string(world) +
                                  ": resume it on as many (mpirun -np " + std::to_string(state.world_size) +
                                  "), so that every step sees the same global batch");
    if (state.steps_per_epoch != per_epoch)
      throw std::invalid_argument("the data now gives " + std::to_string(per_epoch) + " steps an epoch, but the run was trained with " +
                                  std::to_string(state.steps_per_epoch) + ": resuming would not continue it exactly");
    load_training_state(*resume, *recipe);
    step = state.step;
    default_generator().set_state(state.rng_seed, state.rng_offset);
    result.checkpoint = *resume;
  }
  default_generator().set_shard(group.rank(), world);  // each rank draws its share of the global batch's noise
  std::optional<RunLog> log;
  if (writer) log.emplace(run / "log.jsonl", step);

  std::string counts;
  for (auto& [name, net] : recipe->networks())
    counts += std::string(counts.empty() ? "" : ", ") + name + " " + std::to_string(net->num_parameters());
  out << (resume ? "resuming " : "training ") << arch_name(options.arch) << " (" << counts << " parameters) on "
      << source.description << "\n"
      << "device " << device_name(device) << " with '" << current_kernels(device.type) << "' kernels, math "
      << math_name(math) << math_note(backend_for(device), math)
      << ", batch "
      << options.batch
      << (world > 1 ? " on each of " + std::to_string(world) + " ranks (" + group.transport(device.type) + "), global batch " +
                          std::to_string(options.batch * world) + (options.sync_bn ? ", batch norm synchronised" : "")
                    : "")
      << ", " << per_epoch << " steps an epoch, " << total << " steps"
      << (resume ? " (from step " + std::to_string(step) + ")" : "") << " -> " << run.string() << "\n"
      << std::flush;

  // --eval-every: the classifier and the real images are prepared once, before the first step.
  std::unique_ptr<Evaluator> evaluator;
  std::optional<BestCheckpoint> best;
  const std::string eval_metric = options.eval_every > 0 ? Evaluator::primary_metric(options.arch) : "";
  if (options.eval_every > 0 && writer) {
    evaluator = std::make_unique<Evaluator>(options, EvalOptions{.n = options.eval_n, .seed = 0, .device = device}, out);
    if (resume) best = read_best_checkpoint(run);
    if (best && (best->step > step || best->metric != eval_metric)) best.reset();
  }
  Progress progress(out, total, per_epoch, options.batch * world, world == 1);  // images/s of the whole job
  const std::string title = std::string(arch_name(options.arch)) + " on " + options.data;
  const std::string resume_command = (world > 1 ? "mpirun -np " + std::to_string(world) + " " : std::string()) +
                                     "ganforge train " + arch_name(options.arch) + " --resume --out " + run.string();
  // What a run that stops early leaves.
  auto stopped = [&](const std::string& why) {
    return "step " + std::to_string(step) + ": " + why + "; training stopped" +
           (result.checkpoint.empty() ? "" : "; the last good checkpoint is " + result.checkpoint.string());
  };
  DivergenceCheck divergence(*recipe);
  auto last_checkpoint = Clock::now();
  auto checkpoint = [&] {
    last_checkpoint = Clock::now();
    if (!writer) return;
    log->sync();
    result.checkpoint = save_checkpoint(
        run, *recipe, {options, step, per_epoch, world, default_generator().seed(), default_generator().offset()});
    log->plot(run / "loss_curve.png", title, eval_metric);
  };
  const std::chrono::duration<double, std::ratio<60>> checkpoint_interval(options.checkpoint_minutes);
  const int64_t first_step = step;  // the warm-up step, never profiled, is the next one
  Profiler profiler(/*count_emulator=*/device.type == DeviceType::CUDASim);  // for a GPU estimate
  const StopSignals signals(writer);  // from here on, Ctrl-C or SIGTERM stops after the current step
  bool stopping = false;
  int stop_signal = 0;
  double train_seconds = 0;
  try {
    while (step < total && !stopping) {
      const int64_t epoch = step / per_epoch;
      data::DataLoader::Epoch batches = loader.epoch(static_cast<uint64_t>(epoch));
      for (int64_t skip = step % per_epoch; skip > 0; --skip) batches.next();  // resuming mid-epoch
      while (step < total) {
        std::optional<data::Batch> batch = batches.next();
        if (!batch) break;
        for (Tensor& t : batch->images) t = t.to(device);
        if (batch->labels.defined()) batch->labels = batch->labels.to(device);
        const bool profiled = step > first_step && step <= first_step + profile_steps;
        const auto started = Clock::now();
        if (profiled) profiler.start();
        const StepValues step_values = recipe->train_step(*batch);
        if (profiled) profiler.stop();
        const double seconds = std::chrono::duration<double>(Clock::now() - started).count();
        train_seconds += seconds;
        ++step;
        const AfterStep agreed = agree_after_step(group, step_values, signals.requested());  // every rank alike
        const StepValues& values = agreed.values;
        stop_signal = agreed.stop_signal;
        stopping = stop_signal != 0;
        const bool log_line = step % options.log_every == 0 || step == total;
        const bool epoch_end = step % per_epoch == 0;
        bool checkpoint_due = (options.checkpoint_every > 0 && step % options.checkpoint_every == 0) || epoch_end ||
                              step == total || stopping ||
                              (options.checkpoint_minutes > 0 && Clock::now() - last_checkpoint >= checkpoint_interval);
        if (const auto problem = divergence.after_step(step, values, log_line || checkpoint_due))
          throw TrainingDiverged(stopped(*problem));
        result.last = values;
        progress.update(step, values, seconds, log_line);
        if (log_line && writer) log->add(step, epoch + 1, values, progress.images_per_second());
        if (epoch_end) recipe->end_epoch();
        if (writer && options.sample_every > 0 && step % options.sample_every == 0)
          write_samples(*recipe, run, "step-" + padded(step, 6));
        if (writer && epoch_end) write_samples(*recipe, run, "epoch-" + padded(epoch + 1, 3));
        std::optional<BestCheckpoint> new_best;
        if (evaluator && !stopping && (step % options.eval_every == 0 || step == total)) {
          const EvalReport report = evaluator->evaluate(*recipe, step);
          log->add_eval(step, epoch + 1, report);
          const double value = report.find(eval_metric)->value;
          if (!best || value < best->value) {
            new_best = BestCheckpoint{step, eval_metric, value};
            checkpoint_due = true;  // the best is kept as a checkpoint of its own step
          }
          progress.note(eval_summary(report, eval_metric, new_best.has_value()));
        }
        if (checkpoint_due) checkpoint();
        if (new_best) {  // only rank 0 evaluates
          write_best_checkpoint(run, *new_best);
          best = new_best;
        }
        if (epoch_end || stopping) break;
      }
    }
    if (!stopping && writer) {
      write_samples(*recipe, run, "final");
      log->plot(run / "loss_curve.png", title, eval_metric);
      log->sync();
    }
    if (const int64_t profiled_steps = std::min(step - first_step - 1, profile_steps); profiled_steps > 0) {
      const std::string what = "profile of steps " + std::to_string(first_step + 2) + " to " +
                               std::to_string(first_step + 1 + profiled_steps) + " (after one warm-up step): " + title +
                               ", device " + device_name(device) + " with '" + current_kernels(device.type) +
                               "' kernels, math " + math_name(math) + ", batch " + std::to_string(options.batch);
      const ProfileTable table = profiler.table();
      if (writer) write_profile_files(run, what, table);
      std::string text = profile_text(what, table);
      if (profiler.counts_emulator() && writer)
        text += "\n" + write_gpu_estimate_files(run, what, table, profiled_steps, math);
      text.pop_back();  // note() ends the line
      progress.note(text);
    }
  } catch (const TrainingDiverged&) {
    throw;
  } catch (const std::exception& e) {
    throw std::runtime_error(stopped(e.what()) + (result.checkpoint.empty() ? "" : "; continue with: " + resume_command));
  }
  result.steps = step;
  if (!averagers.empty() && step > first_step)
    progress.note(reduce_summary(averagers, step - first_step, train_seconds, group, device.type));
  if (stopping) {
    const int signal = stop_signal;
    progress.note(std::string(signal == SIGTERM ? "SIGTERM" : "SIGINT") + ": stopped at step " + std::to_string(step) +
                  "; checkpoint " + result.checkpoint.string() + "; continue with: " + resume_command);
    result.exit_status = 128 + signal;
    return result;
  }
  progress.note("done: " + std::to_string(step) + " steps; samples in " + (run / "samples").string() + ", checkpoint " +
                result.checkpoint.string());
  return result;
}

}  // namespace ganforge::gan
