"""The what-if page (``energysim app``): edit scenarios in a browser, see the milestones move.

Modules: :mod:`energysim.app.levers` (the levers a page offers and the scenario changes
they stand for), :mod:`energysim.app.session` (per-tab state, validation through
:meth:`Scenario.with_changes`, background physics), :mod:`energysim.app.server` (the
Starlette routes and the static page). Nothing here writes to disk except the profile and
weather caches; the page refers to scenarios only by their index in the catalogue the
server was started with.
"""
