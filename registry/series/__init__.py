"""The time series: parameters, compute, shares, coverage, labels, charts and the map."""
