{
  "targets": [
    {
      "target_name": "domainsig",
      "sources": ["src/addon.c", "src/trust.c"],
      "include_dirs": ["native/include"],
      "cflags_c": ["-std=c99", "-Wall", "-Wextra", "-Werror"],
      "libraries": [
        "-L<(module_root_dir)/native",
        "-ldomainsig",
        "-Wl,-rpath,'$$ORIGIN/../../native'"
      ]
    }
  ]
}
