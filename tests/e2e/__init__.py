"""End to end: the `rapport` command and `rapport run --http` as separate processes, over real HTTP."""
