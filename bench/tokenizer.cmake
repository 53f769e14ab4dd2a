# tokenizer_bench: encode/decode throughput of inference::Tokenizer on real source code.
add_executable(tokenizer_bench ${CMAKE_CURRENT_LIST_DIR}/tokenizer_bench.cc)
target_link_libraries(tokenizer_bench PRIVATE flashcode_tokenizer)
target_compile_definitions(tokenizer_bench PRIVATE
  FLASHCODE_BENCH_SOURCE_DIR="${PROJECT_SOURCE_DIR}" FLASHCODE_BENCH_NPM_DIR="${FLASHCODE_NPM_DIR}")
