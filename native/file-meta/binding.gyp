{
  "targets": [
    {
      "target_name": "file_meta",
      "sources": ["file_meta.c"],
      "cflags": ["-O2", "-Wall", "-Wextra"]
    }
  ]
}
