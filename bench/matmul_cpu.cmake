# matmul_cpu: weight bytes per second of the CPU decode-step matrix products per format (FP8,
# MXFP4, bf16), from cache and from memory, against the measured read bandwidth.
add_executable(matmul_cpu ${CMAKE_CURRENT_LIST_DIR}/matmul_cpu.cc)
target_link_libraries(matmul_cpu PRIVATE flashcode_backend nlohmann_json::nlohmann_json)
