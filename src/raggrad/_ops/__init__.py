"""Operations, one module per family: elementwise, reductions, indexing, manipulation, creation."""
