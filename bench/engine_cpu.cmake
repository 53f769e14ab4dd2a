# engine_cpu: prefill/decode tokens/s, time to first token, peak memory and decode bandwidth
# use of the DeepSeek-V4 CPU engine on random checkpoints (tiny preset and a ~1B config).
add_executable(engine_cpu ${CMAKE_CURRENT_LIST_DIR}/engine_cpu.cc)
target_link_libraries(engine_cpu PRIVATE flashcode_model nlohmann_json::nlohmann_json)
