// Clang thread-safety annotations (no-ops elsewhere). Build with clang and -Wthread-safety to
// check that fields marked GUARDED_BY are only touched under their mutex.
#pragma once

#if defined(__clang__)
#define FC_THREAD_ANNOTATION_(x) __attribute__((x))
#else
#define FC_THREAD_ANNOTATION_(x)
#endif

#define GUARDED_BY(x) FC_THREAD_ANNOTATION_(guarded_by(x))
#define PT_GUARDED_BY(x) FC_THREAD_ANNOTATION_(pt_guarded_by(x))
#define REQUIRES(...) FC_THREAD_ANNOTATION_(requires_capability(__VA_ARGS__))
#define EXCLUDES(...) FC_THREAD_ANNOTATION_(locks_excluded(__VA_ARGS__))
#define NO_THREAD_SAFETY_ANALYSIS FC_THREAD_ANNOTATION_(no_thread_safety_analysis)
