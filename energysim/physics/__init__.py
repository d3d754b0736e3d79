"""Pure physics: weather in, per-unit PV and wind output out.

Owns the conversion of a canonical weather frame into hourly output per unit of nameplate
(``solar`` with pvlib, ``wind`` with windpowerlib) and the version tag of that physics. The
submodules import only numpy, pandas, their one modelling library and ``energysim.errors``
/ ``energysim.units``; nothing here may import scenario, weather, fleet, kernels or any
module further down the data flow. This file imports no submodule, so reading
``PHYSICS_VERSION`` does not load pvlib or windpowerlib.
"""

#: Bumped whenever the output of ``solar`` or ``wind`` changes for the same inputs; part of
#: the profile-cache key, so a cached profile from older physics is never reused.
PHYSICS_VERSION = "1"
