"""Image filters (one module per filter): arrays in, filtered arrays out.

Each filter documents the margin (in voxels) it needs around a region so that the response inside the
region equals the response computed on the whole image; callers crop to the region plus that margin.
"""
