"""Fuzz targets for parsers of untrusted input.

`riposte_fuzz_test(name, srcs, deps)` takes sources that define
`LLVMFuzzerTestOneInput` and makes two targets:

  <name>             the fuzzer. Under `--config=fuzz` (clang, ASan, UBSan)
                     it links libFuzzer's main; tools/fuzz.sh builds and runs
                     it. Tagged manual, so `//...` leaves it alone.
  <name>_regression  a cc_test in the normal (gcc) build that feeds every
                     file of testdata/<name>_corpus/ to the same entry point:
                     seeds and the crashes fuzzing once found run in every
                     test run, no clang needed.
"""

load("@rules_cc//cc:defs.bzl", "cc_binary", "cc_test")

def riposte_fuzz_test(name, srcs, deps = [], corpus = None, max_len = 4096):
    """Declares the fuzzer `name` and its regression test.

    Args:
      name: the fuzzer binary; its corpus is testdata/<name>_corpus/.
      srcs: sources defining LLVMFuzzerTestOneInput.
      deps: what they need.
      corpus: the corpus directory, relative to this package; defaults to
        testdata/<name>_corpus.
      max_len: the longest input tools/fuzz.sh lets libFuzzer try (bytes).
    """
    corpus = corpus or "testdata/%s_corpus" % name
    corpus_path = (native.package_name() + "/" + corpus).lstrip("/")
    cc_binary(
        name = name,
        srcs = srcs,
        deps = deps + select({
            "//tools/build_defs:fuzz_build": [],
            "//conditions:default": ["//common/testing:fuzz_regression_main"],
        }),
        linkopts = select({
            "//tools/build_defs:fuzz_build": ["-fsanitize=fuzzer"],
            "//conditions:default": [],
        }),
        testonly = True,
        tags = ["manual", "fuzz", "fuzz_max_len=%d" % max_len, "fuzz_corpus=" + corpus_path],
    )
    cc_test(
        name = name + "_regression",
        size = "small",
        srcs = srcs,
        deps = deps + ["//common/testing:fuzz_regression_main"],
        data = native.glob([corpus + "/**"], allow_empty = True),
        args = [corpus_path],
    )
