// `srns train --resume` against real processes: a run killed with SIGKILL after a checkpoint and
// resumed writes the same per-epoch numbers, models and test metrics as a run never stopped; a
// SIGTERM finishes the epoch, writes the checkpoint and says where; resuming on other data or
// with other settings is refused naming the difference.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "cli_test_util.hpp"
#include "resume_test_util.hpp"
#include "test_util.hpp"
#include "train/checkpoint.hpp"

namespace srns {
namespace {

namespace fs = std::filesystem;
using testing::has;
using testing::run_cli;

// `srns train ARGS` as a child process with its output in `log`; returns its pid.
pid_t spawn_train(const std::vector<std::string>& args, const std::string& log) {
  const pid_t pid = fork();
  if (pid == 0) {
    std::vector<char*> argv = {const_cast<char*>(SRNS_BINARY), const_cast<char*>("train")};
    for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    if (!freopen(log.c_str(), "w", stdout) || !freopen(log.c_str(), "a", stderr)) _exit(126);
    execv(SRNS_BINARY, argv.data());
    _exit(127);
  }
  return pid;
}

int64_t lines_in(const std::string& path) {
  std::ifstream in(path);
  return std::count(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>(), '\n');
}

// Waits until `ready` holds or the child exits; returns whether it is still running.
template <typename F>
bool wait_while_running(pid_t pid, F ready) {
  for (int k = 0; k < 6000; ++k) {  // 60 s at most
    if (ready()) return true;
    int status = 0;
    if (waitpid(pid, &status, WNOHANG) == pid) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return true;
}

void expect_same_run(const std::string& got, const std::string& want) {
  const auto a = testing::epoch_numbers(got), b = testing::epoch_numbers(want);
  ASSERT_EQ(a.size(), b.size());
  for (size_t e = 0; e < b.size(); ++e) EXPECT_EQ(a[e], b[e]) << "epoch " << e;
  EXPECT_EQ(testing::read_file(got + "/model.bin"), testing::read_file(want + "/model.bin"));
  EXPECT_EQ(testing::read_file(got + "/last_model.bin"),
            testing::read_file(want + "/last_model.bin"));
  const auto test = [](const std::string& r) {
    return nlohmann::json::parse(testing::read_file(r + "/summary.json"))["test"];
  };
  EXPECT_EQ(test(got), test(want));
}

class CliResume : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new testing::TempDir;
    const auto r = run_cli(
        "gen --users 600 --items 800 --interactions 20000 --eval-negatives 50 "
        "--out " +
        file("syn"));
    ASSERT_EQ(r.status, 0) << r.output;
  }
  static void TearDownTestSuite() { delete dir_; }
  static std::string file(const std::string& name) { return dir_->file(name); }
  // SRNS with a dense history, 12 epochs (~1 s): long enough to be killed part way.
  static std::vector<std::string> train_args(const std::string& out) {
    return {"--data", file("syn"), "--dim", "16", "--epochs",           "12", "--threads",
            "1",      "--quiet",   "--out", out,  "--checkpoint-every", "2"};
  }

 private:
  static inline testing::TempDir* dir_ = nullptr;
};

TEST_F(CliResume, KilledWithSigkillAndResumedWritesTheSameEpochs) {
  std::vector<std::string> args = train_args(file("whole"));
  std::string line = "train";
  for (const auto& a : args) line += " " + a;
  auto r = run_cli(line);
  ASSERT_EQ(r.status, 0) << r.output;

  const std::string run = file("killed");
  const pid_t pid = spawn_train(train_args(run), file("killed.log"));
  // Killed once a checkpoint exists and a later epoch has begun to be written.
  const bool running = wait_while_running(pid, [&] {
    return fs::exists(run + "/checkpoint.bin") && lines_in(run + "/epochs.jsonl") >= 4;
  });
  ASSERT_TRUE(running) << "the run ended before it could be killed:\n"
                       << testing::read_file(file("killed.log"));
  ASSERT_EQ(kill(pid, SIGKILL), 0);
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)
      << "the run ended on its own before the kill";
  EXPECT_FALSE(fs::exists(run + "/summary.json"));
  const int64_t written = lines_in(run + "/epochs.jsonl");
  const int checkpointed = read_checkpoint_meta(run + "/checkpoint.bin").epoch;

  r = run_cli("train --resume " + run + " --threads 2");
  ASSERT_EQ(r.status, 0) << r.output;
  std::cout << "killed with epochs 0.." << written - 1
            << " in epochs.jsonl and a checkpoint of epoch " << checkpointed
            << "; resumed from it\n";
  expect_same_run(run, file("whole"));
}

TEST_F(CliResume, SigtermWritesACheckpointAndSaysHowToResume) {
  const std::string run = file("term");
  std::vector<std::string> args = train_args(run);
  args.push_back("--checkpoint-every");
  args.push_back("0");
  const pid_t pid = spawn_train(args, file("term.log"));
  ASSERT_TRUE(wait_while_running(pid, [&] { return lines_in(run + "/epochs.jsonl") >= 2; }));
  ASSERT_EQ(kill(pid, SIGTERM), 0);
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  const std::string log = testing::read_file(file("term.log"));
  ASSERT_TRUE(WIFEXITED(status)) << log;
  EXPECT_EQ(WEXITSTATUS(status), 128 + SIGTERM) << log;
  EXPECT_TRUE(has(log, "srns train: stopped by signal 15 after epoch ")) << log;
  EXPECT_TRUE(has(log, "checkpoint " + run + "/checkpoint.bin")) << log;
  EXPECT_TRUE(has(log, "continue with: srns train --resume " + run)) << log;
  EXPECT_TRUE(fs::exists(run + "/model.bin"));
  EXPECT_TRUE(fs::exists(run + "/last_model.bin"));

  // Other settings or other data are refused, naming the difference; the run is untouched.
  auto r = run_cli("train --resume " + run + " --lr 0.002");
  EXPECT_EQ(r.status, 1);
  EXPECT_TRUE(has(r.output,
                  "the settings differ from the checkpoint's: optimizer.lr is 0.002 "
                  "here but 0.001 in the checkpoint"))
      << r.output;
  r = run_cli("gen --users 100 --items 200 --interactions 3000 --out " + file("other"));
  ASSERT_EQ(r.status, 0) << r.output;
  r = run_cli("train --resume " + run + " --data " + file("other"));
  EXPECT_EQ(r.status, 1);
  EXPECT_TRUE(has(r.output, "cannot resume from " + run +
                                "/checkpoint.bin: the data differs from the checkpoint's: items "))
      << r.output;
  r = run_cli("train --resume " + run + " --out " + file("elsewhere"));
  EXPECT_EQ(r.status, 2);
  EXPECT_TRUE(has(r.output, "drop --out")) << r.output;

  r = run_cli("train --resume " + run + " --quiet");
  ASSERT_EQ(r.status, 0) << r.output;
  r = run_cli("train --resume " + run);
  EXPECT_EQ(r.status, 2);
  EXPECT_TRUE(has(r.output, "that run finished (summary.json): nothing to resume")) << r.output;
  r = run_cli("train --resume " + file("syn"));
  EXPECT_EQ(r.status, 2);
  EXPECT_TRUE(has(r.output, "no checkpoint.bin there")) << r.output;
}

}  // namespace
}  // namespace srns
