

def test_summaries_from_the_files_equal_those_in_memory_for_large_ensembles(tmp_path):
    """Past NumPy's 8,192-element blocks a sum depends on memory layout: the summary must not."""
    from posturelab.engine.run import EnsembleResult
    from posturelab.store.outputs import stream_outputs

    loaded = load_scenario("korea-2025")
    levers = resolve_levers(loaded.scenario, {})
    small = run_ensemble(loaded.scenario, levers, RunOptions(members=60, seed=SEED)).dataset
    copies = 170  # 10,200 members, values scaled so that no two copies are equal
    big = xr.concat(
        [small.assign_coords(member=small["member"] + 60 * k) for k in range(copies)], "member"
    )
    rng = np.random.default_rng(3)
    for name, var in big.data_vars.items():
        if not str(name).startswith("p_"):
            big[name] = var * rng.uniform(0.5, 1.5, size=var.shape)
    options = RunOptions(members=60 * copies, seed=SEED)
    result = EnsembleResult(big, dict(levers), options, tuple(
        str(n).removeprefix("param:") for n in big.data_vars if str(n).startswith("param:")
    ))
    whole = rundir.dataset_chunk(big, result.uncertain)
    size = 1_500

    def read(index):
        sl = slice(index * size, (index + 1) * size)
        return engine_run.ChunkOutput(
            whole.members[sl],
            {k: v[sl] for k, v in whole.params.items()},
            {k: v[sl] for k, v in whole.series.items()},
            {k: v[sl] for k, v in whole.scalars.items()},
        )

    stream_outputs(
        tmp_path,
        total=options.members,
        months=[str(m) for m in big["month"].values],
        uncertain=result.uncertain,
        attrs={},
        count=-(-options.members // size),
        read=read,
    )
    from_files = rundir.summary_from_files(loaded, options, levers, tmp_path)
    in_memory = rundir.summary_of(loaded, result, tmp_path)
    assert from_files == in_memory
