"""Streaming a run's chunks into its output files, one chunk in memory at a time.

``series.nc`` (NetCDF-4 through h5netcdf) and ``members.parquet`` are created with their full
shape, then filled chunk by chunk in member order: each chunk's series go into their slices of
preallocated contiguous datasets, and each chunk's per-member values become one Parquet row
group. Memory at assembly is one chunk's arrays, whatever the ensemble size (chunks are at most
:data:`posturelab.runners.sizing.MAX_CHUNK` members).

The files hold exactly what writing the assembled ensemble with xarray gives
(``Dataset.to_netcdf(engine="h5netcdf")`` of the member x month variables, and one
``pyarrow.parquet.write_table`` of the per-member ones): the same variables in the same order,
the same dtypes, attributes and fill values, the same numbers bit for bit
(``tests/test_durability.py`` compares them). Before anything is written the free space is
checked against the files' size (:func:`output_bytes`), and the HDF5 file is written through a
:class:`~posturelab.store.diskio.GuardedFile`, so a disk that fills up anyway is reported as a
:class:`~posturelab.store.diskio.StorageError` and never crashes the process.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from posturelab.engine.simulate import ChunkOutput
from posturelab.store.diskio import (
    GuardedFile,
    ensure_free,
    reported,
    temporary_sibling,
    write_guarded,
)

RawWrite = Callable[[Any, Any], int | None]
_VARIABLE_BYTES = 4 << 10
"""HDF5 object header, attributes and dimension references of one variable (an upper bound)."""
_COLUMN_BYTES = 1 << 10
"""Parquet schema and statistics of one column per row group (an upper bound)."""


def output_bytes(total: int, months: int, series: int, per_member: int) -> int:
    """An upper bound of the bytes ``series.nc`` and ``members.parquet`` take together.

    ``series`` variables of ``total x months`` float64 values, ``per_member`` float64 columns and
    the member index; Parquet's compression only makes its file smaller than the raw values.
    """
    series_nc = 8 * total * (months * series + 1) + _VARIABLE_BYTES * (series + 2)
    parquet = 8 * total * (per_member + 1) + _COLUMN_BYTES * (per_member + 1)
    return series_nc + parquet


def member_columns(first: ChunkOutput, uncertain: Sequence[str]) -> list[str]:
    """The per-member columns, in the order of the assembled dataset: scalars, then parameters."""
    return [*first.scalars, *(f"param:{name}" for name in uncertain)]


def _member_table(output: ChunkOutput, columns: Sequence[str]) -> pa.Table:
    data: dict[str, Any] = {"member": pa.array(np.asarray(output.members, dtype=np.int64))}
    for name in columns:
        values = (
            output.params[name.removeprefix("param:")]
            if name.startswith("param:")
            else output.scalars[name]
        )
        data[name] = pa.array(np.asarray(values, dtype=np.float64))
    return pa.table(data)


def stream_outputs(
    run_dir: Path,
    *,
    total: int,
    months: Sequence[str],
    uncertain: Sequence[str],
    attrs: Mapping[str, str],
    count: int,
    read: Callable[[int], ChunkOutput],
    series_name: str = "series.nc",
    members_name: str = "members.parquet",
    raw_write: RawWrite | None = None,
) -> None:
    """Write ``series.nc`` and ``members.parquet`` of a run from its ``count`` chunks.

    Parameters
    ----------
    run_dir
        The run directory; both files are written under temporary names and renamed into place
        when whole.
    total
        The ensemble size (the chunks' members must be ``0 .. total - 1`` in order).
    months
        The month labels (``YYYY-MM``).
    uncertain
        The uncertain parameters' names (columns ``param:NAME`` of the Parquet file).
    attrs
        Global attributes of the NetCDF file.
    count
        How many chunks the run has.
    read
        Returns chunk ``i`` (verified); called once per chunk, in order.
    raw_write
        The low-level write of the NetCDF file (tests inject disk failures here).

    Raises
    ------
    StorageError
        When the disk lacks room (checked first) or any write fails; neither file is left.
    """
    import h5netcdf
    import h5py  # type: ignore[import-untyped]

    first = read(0)
    series_names = list(first.series)
    columns = member_columns(first, uncertain)
    ensure_free(
        run_dir, output_bytes(total, len(months), len(series_names), len(columns)), series_name
    )
    parquet_path = run_dir / members_name
    parquet_temp = temporary_sibling(parquet_path)

    def fill(handle: GuardedFile) -> None:
        schema = _member_table(first, columns).schema
        with (
            reported(parquet_path),
            h5netcdf.File(handle, "w") as nc,
            pq.ParquetWriter(parquet_temp, schema) as parquet,
        ):
            nc.attrs.update(dict(attrs))
            nc.dimensions = {"member": total, "month": len(months)}
            variables = {
                name: nc.create_variable(
                    name, ("member", "month"), dtype=np.float64, fillvalue=np.nan
                )
                for name in series_names
            }
            member = nc.create_variable("member", ("member",), dtype=np.int64)
            nc.create_variable(
                "month",
                ("month",),
                dtype=h5py.string_dtype(),
                data=np.asarray(months, dtype=object),
            )
            at = 0
            for index in range(count):
                output = first if index == 0 else read(index)
                size = output.members.size
                if output.members.size and int(output.members[0]) != at:
                    raise ValueError(
                        f"chunk {index} starts at member {output.members[0]}, not {at}"
                    )
                for name, variable in variables.items():
                    variable[at : at + size, :] = output.series[name]
                member[at : at + size] = output.members
                parquet.write_table(_member_table(output, columns))
                at += size
            if at != total:
                raise ValueError(f"the chunks hold {at} members, the run {total}")

    try:
        write_guarded(run_dir / series_name, fill, raw_write)
        with reported(parquet_path):
            os.replace(parquet_temp, parquet_path)
    except BaseException:
        parquet_temp.unlink(missing_ok=True)
        (run_dir / series_name).unlink(missing_ok=True)
        raise
