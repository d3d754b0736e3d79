"""``energysim weather``: inspect, generate and compare weather years.

Owns the thin command-line layer over :mod:`energysim.weather`; it holds no logic a
Python user would miss. It imports click at module level and energysim.weather (hence
pvlib, pandas) only inside command bodies so ``energysim --help`` stays fast. Nothing
imports this module except ``energysim.cli``, which registers :data:`weather` into the
main group.
"""

import click

from energysim import units

USER_ERROR_EXIT = 2  # project convention: a user error ends with one line and exit 2


def _fail(ctx, err):
    """Print one ``error: ...`` line for a user error and exit with status 2.

    Kept in one place so the lead can unify error handling across commands.
    """
    click.echo(f"error: {err}", err=True)
    ctx.exit(USER_ERROR_EXIT)


def _load(source, seed=0):
    from energysim.weather import load_weather

    return load_weather(source, seed=seed)


def _table(frame, floatfmt="{:.2f}"):
    """Plain fixed-width text table of a DataFrame (no extra dependency)."""
    cols = [str(c) for c in frame.columns]
    rows = [
        [str(i)] + [floatfmt.format(v) if isinstance(v, float) else str(v) for v in r]
        for i, r in zip(frame.index, frame.itertuples(index=False))
    ]
    head = [str(frame.index.name or "")] + cols
    widths = [max(len(head[j]), *(len(r[j]) for r in rows)) for j in range(len(head))]
    line = "  ".join(h.rjust(w) for h, w in zip(head, widths))
    body = ["  ".join(c.rjust(w) for c, w in zip(r, widths)) for r in rows]
    return "\n".join([line, *body])


@click.group("weather")
def weather():
    """Inspect, generate and compare weather years."""


@weather.command("info")
@click.argument("source")
@click.option("--seed", default=0, show_default=True, help="Seed of a builtin year.")
@click.pass_context
def info(ctx, source, seed):
    """Show location, monthly table, annual totals, repairs and warnings of SOURCE.

    SOURCE is a weather file (.epw, TMY3/PVGIS/energysim .csv, PVGIS .json) or
    builtin:shaoguan.
    """
    from energysim.errors import EnergysimError
    from energysim.weather import monthly_summary

    try:
        data, meta = _load(source, seed)
    except EnergysimError as err:
        _fail(ctx, err)
        return
    off = meta["utc_offset_h"]
    click.echo(f"source:     {meta['source']}")
    if meta.get("station"):
        click.echo(f"station:    {meta['station']}")
    click.echo(
        f"location:   {meta['latitude']:.4g} N, {meta['longitude']:.5g} E, "
        f"{meta['altitude_m']:g} m, UTC{off:+g}"
    )
    click.echo(
        f"period:     {len(data)} hours, {data.index[0]} .. {data.index[-1]} (UTC, "
        f"interval {meta['interval_label']}), typical year: {meta['typical_year']}"
    )
    click.echo(f"sha256:     {meta['sha256']}")
    if "solar_noon_offset_h" in meta:
        click.echo(f"irradiance centred {meta['solar_noon_offset_h']:+.2f} h from solar noon")
    table = monthly_summary(data, off)
    click.echo("")
    click.echo(_table(table))
    click.echo("")
    tot = table[["ghi_kwh_m2", "dni_kwh_m2", "dhi_kwh_m2"]].sum()
    click.echo(
        f"annual:     GHI {tot['ghi_kwh_m2']:.1f}, DNI {tot['dni_kwh_m2']:.1f}, "
        f"DHI {tot['dhi_kwh_m2']:.1f} kWh/m2; diffuse fraction "
        f"{tot['dhi_kwh_m2'] / tot['ghi_kwh_m2']:.3f}; mean temperature "
        f"{data['temp_air'].mean():.1f} degC; mean wind {data['wind_speed'].mean():.2f} m/s "
        f"at {data['wind_height_m'].iloc[0]:g} m"
    )
    for label in ("repairs", "warnings"):
        items = meta.get(label) or []
        click.echo(f"{label}:    {len(items) if items else 'none'}")
        for item in items:
            click.echo(f"  - {item}")


@weather.command("generate")
@click.option(
    "--normals", "normals_path", default=None,
    help="Normals CSV (default: the committed Shaoguan normals).",
)
@click.option("--latitude", type=float, default=None, help="Site latitude [deg N].")
@click.option("--longitude", type=float, default=None, help="Site longitude [deg E].")
@click.option("--altitude", type=float, default=None, help="Site altitude [m].")
@click.option("--utc-offset", type=float, default=None, help="Local standard time offset [h].")
@click.option("--seed", default=0, show_default=True, help="Random seed.")
@click.option("-o", "--output", required=True, help="Output CSV file.")
@click.option("--overwrite", is_flag=True, help="Replace an existing output file.")
@click.pass_context
def generate(ctx, normals_path, latitude, longitude, altitude, utc_offset, seed, output, overwrite):
    """Generate an hourly typical year from monthly normals and write it as CSV.

    The CSV carries '# key = value' header lines and ISO time stamps with their offset,
    so `energysim weather info` and load_weather read it back as is.
    """
    import warnings
    from pathlib import Path

    from energysim.errors import EnergysimError, EnergysimWarning, OutputExistsError
    from energysim.weather import (
        SHAOGUAN_NORMALS_PATH,
        generate_typical_year,
        read_normals,
        to_weather_csv,
    )

    try:
        if Path(output).exists() and not overwrite:  # refuse before spending time generating
            raise OutputExistsError(f"{output}: already exists: pass --overwrite to replace it")
        normals = read_normals(normals_path or SHAOGUAN_NORMALS_PATH)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", EnergysimWarning)
            data, meta = generate_typical_year(
                normals, latitude=latitude, longitude=longitude, altitude_m=altitude,
                utc_offset_h=utc_offset, seed=seed,
            )
        for w in caught:
            click.echo(f"warning: {w.message}", err=True)
        to_weather_csv(data, meta, output, overwrite=overwrite)
    except EnergysimError as err:
        _fail(ctx, err)
        return
    ghi = units.wh_to_kwh(data["ghi"].sum())
    click.echo(f"wrote {output}: {len(data)} hours, annual GHI {ghi:.1f} kWh/m2, seed {seed}")


@weather.command("compare")
@click.argument("a")
@click.argument("b")
@click.option("--seed", default=0, show_default=True, help="Seed of builtin years.")
@click.pass_context
def compare(ctx, a, b, seed):
    """Monthly differences B - A of GHI, DNI, DHI, diffuse fraction, temperature, wind."""
    from energysim.errors import EnergysimError
    from energysim.weather import monthly_summary

    try:
        da, ma = _load(a, seed)
        db, mb = _load(b, seed)
    except EnergysimError as err:
        _fail(ctx, err)
        return
    ta = monthly_summary(da, ma["utc_offset_h"])
    tb = monthly_summary(db, mb["utc_offset_h"])
    cols = ["ghi_kwh_m2", "dni_kwh_m2", "dhi_kwh_m2", "diffuse_fraction", "temp_air_c",
            "temp_min_c", "temp_max_c", "wind_speed_m_s"]
    diff = (tb[cols] - ta[cols]).rename(columns=lambda c: f"d_{c}")
    rel = units.fraction_to_pct(tb["ghi_kwh_m2"] / ta["ghi_kwh_m2"] - 1.0)
    diff.insert(1, "d_ghi_pct", rel)
    click.echo(f"A: {ma['source']}")
    click.echo(f"B: {mb['source']}")
    click.echo("monthly differences B - A:")
    click.echo(_table(diff, "{:+.3f}"))
    sa, sb = ta[cols[:3]].sum(), tb[cols[:3]].sum()
    click.echo(
        "annual:  " + ", ".join(
            f"{c.split('_')[0].upper()} {sa[c]:.1f} -> {sb[c]:.1f} kWh/m2 "
            f"({units.fraction_to_pct(sb[c] / sa[c] - 1):+.2f} %)" for c in cols[:3]
        )
    )
