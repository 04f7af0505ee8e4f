// Checkpoints: everything a run needs to continue exactly where it stopped (issue 10), in one
// file of the run directory, checkpoint.bin (data/README.md has it byte by byte):
//   magic "SRNSCKP1"
//   int64 H, then H bytes of JSON: the epoch, the driver's early-stopping state (best epoch,
//         best metric and metrics), the time so far, the run's config, the `srns train`
//         arguments, the data's fingerprint
//   int64 M, then M bytes: the model after that epoch (model.bin's format)
//   int64 B, then B bytes: the best model so far (model.bin's format)
//   int64 S, then S bytes: the backend's state (Backend::save_state: Adam's step, the optimiser
//         moments, the sampler unit's state), the same bytes on the CPU and the GPU
//   uint64 FNV-1a of every byte before it
// Written to checkpoint.bin.tmp, flushed to the disk, renamed: a crash leaves the previous
// checkpoint or the new one, never half of one. Sizes are checked against the file before
// anything is allocated, and the checksum before anything is loaded.
#pragma once
#include <cstdint>
#include <iosfwd>
#include <nlohmann/json.hpp>
#include <string>

#include "srns/backend.hpp"
#include "srns/model.hpp"

namespace srns {

// The checkpoint's JSON part: what the driver restores, and what a resume is checked against.
struct CheckpointMeta {
  int epoch = 0;  // epochs trained; training resumes with epoch + 1
  int best_epoch = 0;
  double best_metric = 0.0;
  nlohmann::json best_val = nlohmann::json::object();  // metrics of the best epoch
  nlohmann::json phases = nlohmann::json::object();    // summed PhaseSeconds so far
  double seconds = 0.0;                                // wall time so far
  nlohmann::json config;                               // to_json(TrainConfig)
  nlohmann::json args = nlohmann::json::array();       // the `srns train` arguments
  nlohmann::json data;                                 // data_fingerprint()
};

// Counts and content hashes of everything training and evaluation read (train pairs, the
// validation and test rows with their negatives).
nlohmann::json data_fingerprint(const Dataset& data);

// Writes the checkpoint atomically (temporary file, flushed, renamed); throws
// std::runtime_error when it cannot be written.
void write_checkpoint(const std::string& path, const CheckpointMeta& meta, const Model& model,
                      const Model& best, const Backend& backend);

// The JSON part alone (for `srns train --resume`, before the backend exists): checks the magic,
// the sizes and the checksum. Throws std::runtime_error naming what is wrong.
CheckpointMeta read_checkpoint_meta(const std::string& path);

// Everything: the models, and the backend's state loaded into `backend`, which must be set up
// with the checkpoint's data and config.
CheckpointMeta read_checkpoint(const std::string& path, Model* model, Model* best,
                               Backend* backend);

// The same from a stream of `size` bytes; `name` prefixes messages (the fuzz target's entry).
CheckpointMeta read_checkpoint(std::istream& in, int64_t size, const std::string& name,
                               Model* model, Model* best, Backend* backend);

// The FNV-1a checksum a checkpoint of these bytes ends with (the last 8 are left out).
uint64_t checkpoint_checksum(const std::string& bytes);

// Why a run with `config` (to_json) on data with `fingerprint` cannot resume this checkpoint
// ("the data differs: train pairs 3970 here, 4000 in the checkpoint", "--lr: ..."); empty when
// it can. The thread count, device, GPU and epoch limit may change.
std::string resume_mismatch(const CheckpointMeta& meta, const nlohmann::json& config,
                            const nlohmann::json& fingerprint);

}  // namespace srns
