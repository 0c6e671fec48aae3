{
  "targets": [
    {
      "target_name": "file_times",
      "sources": ["file_times.c"],
      "cflags": ["-O2", "-Wall", "-Wextra"]
    }
  ]
}
