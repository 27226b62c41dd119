"""Results on disk: run directories (manifest, NetCDF, Parquet, summary)."""
