{
  "targets": [
    {
      "target_name": "domainsig",
      "sources": ["src/addon.c", "src/trust.c"],
      "include_dirs": ["native/include"],
      "cflags_c": ["-std=c99", "-Wall", "-Wextra", "-Werror"],
      "libraries": [
        "<(module_root_dir)/native/libdomainsig.a",
        "-Wl,--version-script=<(module_root_dir)/src/addon.map",
        "-lpthread", "-ldl", "-lm", "-lrt", "-lutil"
      ]
    }
  ]
}
