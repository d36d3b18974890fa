"""All file access of radcore: images (SimpleITK), settings files, Zarr stores, Parquet datasets."""
