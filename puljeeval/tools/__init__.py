"""Developer tools: the generated data-contract page and the benchmark commands."""
