{
  "targets": [
    {
      "target_name": "domainsig",
      "sources": ["src/addon.c"],
      "include_dirs": ["native/include"],
      "cflags_c": ["-std=c99", "-Wall", "-Wextra", "-Werror"],
      "libraries": [
        "<(module_root_dir)/native/libdomainsig.a",
        "-Wl,--exclude-libs,ALL",
        "-lpthread", "-ldl", "-lm", "-lrt", "-lutil"
      ]
    }
  ]
}
