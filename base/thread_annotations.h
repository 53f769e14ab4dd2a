// Clang thread-safety annotations (no-ops elsewhere). Build with clang and -Wthread-safety to
// check that fields marked GUARDED_BY are only touched under their mutex. Abseil (pulled in by
// gRPC) defines the same macros with the same meaning; whichever comes first wins.
#pragma once

#if defined(__clang__)
#define FC_THREAD_ANNOTATION_(x) __attribute__((x))
#else
#define FC_THREAD_ANNOTATION_(x)
#endif

#ifndef GUARDED_BY
#define GUARDED_BY(x) FC_THREAD_ANNOTATION_(guarded_by(x))
#endif
#ifndef PT_GUARDED_BY
#define PT_GUARDED_BY(x) FC_THREAD_ANNOTATION_(pt_guarded_by(x))
#endif
#ifndef REQUIRES
#define REQUIRES(...) FC_THREAD_ANNOTATION_(requires_capability(__VA_ARGS__))
#endif
#ifndef EXCLUDES
#define EXCLUDES(...) FC_THREAD_ANNOTATION_(locks_excluded(__VA_ARGS__))
#endif
#ifndef NO_THREAD_SAFETY_ANALYSIS
#define NO_THREAD_SAFETY_ANALYSIS FC_THREAD_ANNOTATION_(no_thread_safety_analysis)
#endif
