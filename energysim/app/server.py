"""The what-if page's web server: Starlette routes over :mod:`energysim.app.session`.

Starlette (with uvicorn) serves the page, one script and one style sheet from this
package's ``static`` folder: nothing comes from the network. The JSON routes take a
session id that each browser tab gets when it loads, so two tabs never see each other's
edits. Scenarios are named by their index in the catalogue, never by a path.
"""

from __future__ import annotations

import secrets
import threading
from collections import OrderedDict
from pathlib import Path

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from energysim import comparison, plotting, report
from energysim.app.session import Session

STATIC = Path(__file__).resolve().parent / "static"
#: Sessions kept (least recently used out first).
MAX_SESSIONS = 64
#: Figures of the page: route name -> plotting function.
FIGURES = ("capacity", "generation", "cumulative_avoided_co2", "typical_day")


def _units(request):
    system = request.query_params.get("units", "cn")
    return system if system in ("cn", "si") else "cn"


def create_app(catalogue):
    """The ASGI application for a :class:`~energysim.app.session.Catalogue`. [Starlette]"""
    sessions = OrderedDict()
    lock = threading.Lock()
    figure_cache = {}
    # matplotlib's rc settings are global: one figure is drawn at a time (numbers never wait)
    figure_lock = threading.Lock()

    def session_of(request, body=None):
        sid = (body or {}).get("session") or request.query_params.get("session", "")
        with lock:
            session = sessions.get(sid)
            if session is not None:
                sessions.move_to_end(sid)
        return session

    def unknown():
        return JSONResponse({"error": "unknown session: reload the page"}, status_code=404)

    async def index(request):
        return FileResponse(STATIC / "index.html")

    async def catalogue_route(request):
        return JSONResponse([{"key": i, "label": label, "name": s.name,
                              "description": s.description}
                             for i, (label, s) in enumerate(catalogue.entries)])

    def new_session(request):
        sid = secrets.token_urlsafe(16)
        with lock:
            sessions[sid] = Session(catalogue)
            while len(sessions) > MAX_SESSIONS:
                sessions.popitem(last=False)
        return JSONResponse({"session": sid})

    async def body_of(request):
        try:
            body = await request.json()
        except ValueError:
            return None
        return body if isinstance(body, dict) else None

    async def select(request):
        body = await body_of(request)
        session = session_of(request, body)
        if session is None:
            return unknown()
        keys = body.get("keys")
        if not isinstance(keys, list):
            return JSONResponse({"error": "keys: give a list"}, status_code=400)
        try:
            await _in_thread(session.select, keys)
        except (TypeError, ValueError) as err:
            return JSONResponse({"error": str(err)}, status_code=400)
        return JSONResponse(session.state(_units(request)))

    async def change(request):
        body = await body_of(request)
        session = session_of(request, body)
        if session is None:
            return unknown()
        try:
            index = int(body.get("slot"))
            lever_id = str(body.get("lever"))
            value = body.get("value")
            if value is not None and not isinstance(value, (str, int, float)):
                raise TypeError
            session.slots[index]
        except (TypeError, ValueError, IndexError):
            return JSONResponse({"error": "slot, lever, value: malformed"}, status_code=400)
        message = await _in_thread(session.change, index, lever_id, value)
        state = session.state(_units(request))
        state["error"] = message and {"slot": index, "lever": lever_id, "message": message}
        return JSONResponse(state)

    async def reset(request):
        body = await body_of(request)
        session = session_of(request, body)
        if session is None:
            return unknown()
        try:
            index = int(body.get("slot"))
            session.slots[index]
        except (TypeError, ValueError, IndexError):
            return JSONResponse({"error": "slot: malformed"}, status_code=400)
        await _in_thread(session.reset, index)
        return JSONResponse(session.state(_units(request)))

    async def state(request):
        session = session_of(request)
        if session is None:
            return unknown()
        return JSONResponse(session.state(_units(request)))

    def figure(request):
        session = session_of(request)
        name = request.path_params["name"]
        if session is None or name not in FIGURES:
            return Response(status_code=404)
        system = _units(request)
        results = session.results()
        if name == "typical_day":  # only results with an hourly table
            results = [r for r in results if r.hourly]
        if not results:
            return Response(status_code=404)
        key = (id(session), session.version, name, system)
        with figure_lock:
            png = figure_cache.get(key)
            if png is None:
                png = plotting.png_bytes(draw_figure(name, results, system))
                if len(figure_cache) > 3 * MAX_SESSIONS:
                    figure_cache.clear()
                figure_cache[key] = png
        return Response(png, media_type="image/png",
                        headers={"Cache-Control": "no-store"})

    def download_toml(request):
        session = session_of(request)
        try:
            index = int(request.path_params["slot"])
            filename, text = session.scenario_toml(index)
        except (AttributeError, ValueError, IndexError):
            return Response(status_code=404)
        return Response(text, media_type="application/toml", headers={
            "Content-Disposition": f'attachment; filename="{filename}"'})

    def download_report(request):
        session = session_of(request)
        if session is None or not session.results():
            return Response(status_code=404)
        html = report.render_report(session.results(), units=_units(request))
        return Response(html, media_type="text/html", headers={
            "Content-Disposition": 'attachment; filename="energysim-report.html"'})

    routes = [
        Route("/", index),
        Route("/api/catalogue", catalogue_route),
        Route("/api/session", new_session, methods=["POST"]),
        Route("/api/select", select, methods=["POST"]),
        Route("/api/change", change, methods=["POST"]),
        Route("/api/reset", reset, methods=["POST"]),
        Route("/api/state", state),
        Route("/api/figure/{name}.png", figure),
        Route("/api/scenario/{slot}.toml", download_toml),
        Route("/api/report.html", download_report),
        Mount("/static", StaticFiles(directory=STATIC), name="static"),
    ]
    return Starlette(routes=routes)


async def _in_thread(function, *args):
    from starlette.concurrency import run_in_threadpool

    return await run_in_threadpool(function, *args)


def draw_figure(name, results, system):
    """The matplotlib figure ``name`` (one of :data:`FIGURES`) of ``results``. [Figure]"""
    labels = comparison.display_labels(results)
    if name == "capacity":
        return plotting.capacity_comparison_figure(results, labels, units=system)
    if name == "generation":
        return plotting.generation_comparison_figure(results, labels, units=system)
    if name == "typical_day":
        years = [comparison.hourly_year(r) for r in results]
        shown = (years[0] if len(set(years)) == 1
                 else ", ".join(f"{y} ({t})" for y, t in zip(years, labels)))
        return plotting.typical_day_figure([comparison.typical_day_profiles(r) for r in results],
                                           labels, year=shown, units=system)
    targets = results[0].scenario.get("targets") or {}
    return plotting.cumulative_avoided_comparison_figure(
        results, labels, peak_year=int(targets.get("peak_year", 2030)),
        neutrality_year=int(targets.get("neutrality_year", 2060)), units=system)
