#include "inference/model/checkpoint.h"

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

namespace inference {
namespace {

constexpr char kIndexName[] = "model.safetensors.index.json";
constexpr char kSingleShard[] = "model.safetensors";

}  // namespace

base::StatusOr<std::unique_ptr<Checkpoint>> Checkpoint::Open(const std::string& dir) {
  std::unique_ptr<Checkpoint> ckpt(new Checkpoint());
  ckpt->dir_ = dir;
  FC_ASSIGN_OR_RETURN(ckpt->config_, LoadModelConfig(dir + "/config.json"));
  FC_RETURN_IF_ERROR(ckpt->OpenShards());
  FC_RETURN_IF_ERROR(ckpt->Validate());
  return ckpt;
}

base::Status Checkpoint::OpenShards() {
  const std::string index_path = dir_ + "/" + kIndexName;
  std::ifstream in(index_path);
  if (in) {
    std::stringstream text;
    text << in.rdbuf();
    auto index = nlohmann::json::parse(text.str(), nullptr, false);
    if (index.is_discarded() || !index.is_object() || !index.contains("weight_map") ||
        !index["weight_map"].is_object()) {
      return base::InvalidArgument(index_path + ": no weight_map object");
    }
    for (auto it = index["weight_map"].begin(); it != index["weight_map"].end(); ++it) {
      if (!it.value().is_string())
        return base::InvalidArgument(index_path + ": weight_map value for '" + it.key() +
                                     "' is not a string");
      const std::string shard = it.value().get<std::string>();
      if (shard.find('/') != std::string::npos) {
        return base::InvalidArgument(index_path + ": shard name '" + shard +
                                     "' must be a plain file name");
      }
      weight_map_[it.key()] = shard;
    }
  } else if (std::filesystem::exists(dir_ + "/" + kSingleShard)) {
    FC_ASSIGN_OR_RETURN(auto file, SafetensorsFile::Open(dir_ + "/" + kSingleShard));
    for (const auto& [name, view] : file->tensors()) weight_map_[name] = kSingleShard;
    shards_[kSingleShard] = std::move(file);
  } else {
    return base::NotFound(dir_ + ": neither " + kIndexName + " nor " + kSingleShard + " exists");
  }
  for (const auto& [name, shard] : weight_map_) {
    if (shards_.count(shard)) continue;
    FC_ASSIGN_OR_RETURN(auto file, SafetensorsFile::Open(dir_ + "/" + shard));
    shards_[shard] = std::move(file);
  }
  return base::Status::Ok();
}

base::Status Checkpoint::Validate() {
  for (const TensorSpec& spec : ExpectedTensors(config_)) {
    auto mapped = weight_map_.find(spec.name);
    if (mapped == weight_map_.end()) {
      if (spec.optional) continue;
      return base::NotFound(dir_ + "/" + kIndexName + ": tensor '" + spec.name +
                            "' missing (expected " + spec.Describe() + ")");
    }
    const SafetensorsFile& shard = *shards_.at(mapped->second);
    const TensorView* view = shard.Find(spec.name);
    if (view == nullptr) {
      return base::NotFound(shard.path() + ": tensor '" + spec.name + "' missing (expected " +
                            spec.Describe() + ", listed in the index)");
    }
    if (view->dtype != spec.dtype || view->shape != spec.shape) {
      return base::InvalidArgument(shard.path() + ": tensor '" + spec.name + "': expected " +
                                   spec.Describe() + ", found " + view->Describe());
    }
    tensors_[spec.name] = view;
  }
  return base::Status::Ok();
}

const TensorView* Checkpoint::Get(const std::string& name) const {
  auto it = tensors_.find(name);
  return it == tensors_.end() ? nullptr : it->second;
}

}  // namespace inference
