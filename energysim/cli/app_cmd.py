"""The ``energysim app`` command (click, thin): start the what-if page.

The work is in :mod:`energysim.app`; Starlette and uvicorn are imported inside the command
body (they come with the ``app`` extra: ``pip install -e ".[app]"``).
"""

from __future__ import annotations

from pathlib import Path

import click

from energysim.cli.common import debug_option, fail_on_user_error


@click.command()
@click.argument("scenarios", metavar="[SCENARIO_OR_FOLDER]...", nargs=-1,
                type=click.Path(path_type=Path))
@click.option("--port", type=click.IntRange(0, 65535), default=8050, show_default=True,
              help="TCP port (0: any free port).")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to bind; the default serves this computer only.")
@click.option("--browser/--no-browser", default=True, show_default=True,
              help="Open the page in the default web browser.")
@click.option("--cache/--no-cache", default=True, show_default=True,
              help="Keep per-unit profiles on disk ($ENERGYSIM_CACHE_DIR or the user cache "
                   "folder), the only thing the page writes.")
@debug_option
@fail_on_user_error
def app(scenarios, port, host, browser, cache, debug):
    """Start the what-if page for SCENARIO files, folders of them or result folders.

    With no argument it offers the shipped scenarios. Change capacities, build-out pace,
    export limit, emission factors, storage and electrolysers in the browser and see the
    milestone table and figures follow; download the edited scenario as TOML or the HTML
    report. Stop with Ctrl-C.
    """
    import socket
    import webbrowser

    try:
        import uvicorn
    except ImportError:
        raise click.UsageError('the what-if page needs its extra: pip install "energysim[app]"')
    from energysim.app.server import create_app
    from energysim.app.session import Catalogue
    from energysim.app.sources import load_entries
    from energysim.cache import ProfileCache, WeatherCache
    from energysim.simulate import load_scenario_weather

    entries = load_entries(scenarios)
    weather_cache = WeatherCache() if cache else None
    catalogue = Catalogue(entries, lambda s: load_scenario_weather(s, weather_cache),
                          profile_cache=ProfileCache() if cache else None)
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as err:
        raise click.UsageError(f"--host {host} --port {port}: cannot bind ({err.strerror})")
    shown = f"[{host}]" if ":" in host else host
    url = f"http://{shown}:{sock.getsockname()[1]}/"
    click.echo(f"energysim what-if page: {url}  ({len(entries)} scenarios; Ctrl-C stops)",
               nl=True)
    if browser:
        webbrowser.open(url)
    server = uvicorn.Server(uvicorn.Config(create_app(catalogue), log_level="warning"))
    server.run(sockets=[sock])
