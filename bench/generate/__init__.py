"""The benchmarks' one generator: `loading` writes a workspace recipe in bulk; `network` (the
`/whoknows` workspace) and `relationships` (the nudge workspace) are the recipes; `vocabulary` names them."""
