"""The method: the codebook, the counting rules, partial dates, inter-coder agreement, reprints."""
