"""Scenario files: TOML -> frozen, validated pydantic models in SI units.

Owns the scenario schema (version 1), its parsing and every check on it; imports only
``errors``, ``units``, ``turbines`` (the turbine list) and ``fleet``/``carbon`` (plan years,
emission-factor presets); never physics, weather code, pandas or windpowerlib.
万千瓦 is converted to MW here and nowhere else. Every user mistake becomes one
:class:`~energysim.errors.ScenarioError` line of the form
``<file> [<table>] <key> = <value>: <what is allowed>``.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import math
import os
import re
import sys
from pathlib import Path
from typing import ClassVar, Literal, Optional, Union

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    ValidationError,
    field_validator,
    model_validator,
)

from energysim import units
from energysim.carbon import EMISSION_FACTOR_PRESETS
from energysim.errors import ScenarioError
from energysim.fleet import fyp_end_year
from energysim.scenario_paths import assign_path, replaced_keys, resolve_path
from energysim.turbines import check_turbine_name, rotor_diameter_m

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

SCHEMA_VERSION = 1
BUILTIN_WEATHER_PREFIX = "builtin:"
#: The built-in weather years (energysim.weather.BUILTIN_SHAOGUAN; a test checks they match).
BUILTIN_WEATHER = ("builtin:shaoguan",)
FIRST_ALLOWED_YEAR = 1990
LAST_ALLOWED_YEAR = 2100

YearPoints = dict[int, float]

#: Largest capacity of one fleet: 10 TW, about three times China's whole installed
#: capacity in 2024. Beyond it float64 arithmetic on energies loses meaning. [MW]
MAX_CAPACITY_MW = 1e7

#: Longest file name most file systems take (ext4, XFS, APFS, NTFS in UTF-16 units). [bytes]
FILE_NAME_MAX_BYTES = 255
#: What a writer adds to a result's name for its staging folder,
#: ``.<name>.<pid>.<8 random>.partial``, with a pid of up to 7 digits (Linux pid_max). [bytes]
STAGING_NAME_EXTRA_BYTES = 26
#: Longest scenario or sweep name, in bytes of the file-system encoding. [bytes]
MAX_NAME_BYTES = FILE_NAME_MAX_BYTES - STAGING_NAME_EXTRA_BYTES


def check_name_bytes(name):
    """Raise ValueError unless ``name`` and its staging name fit a file name.

    A scenario's name is its result folder's name, written first under a longer staging
    name; a name that validated but could not be written would fail only after the whole
    simulation. Bytes are counted in the file-system encoding (UTF-8 on Linux and macOS:
    a Chinese character takes 3).

    Examples
    --------
    >>> check_name_bytes("韶关" * 38)
    >>> check_name_bytes("韶" * 80)
    Traceback (most recent call last):
    ...
    ValueError: 240 bytes as a file name: a name is a folder name, at most 229 bytes (76 Chinese characters or 229 letters)
    """
    size = len(os.fsencode(name))
    if size > MAX_NAME_BYTES:
        raise ValueError(f"{size} bytes as a file name: a name is a folder name, at most "
                         f"{MAX_NAME_BYTES} bytes ({MAX_NAME_BYTES // 3} Chinese characters or "
                         f"{MAX_NAME_BYTES} letters)")


def _check_years(points, where, lo=FIRST_ALLOWED_YEAR, hi=LAST_ALLOWED_YEAR):
    for year, value in points.items():
        if not lo <= year <= hi:
            raise ValueError(f"year {year} in {where}: years must lie in {lo}..{hi}")
        if not math.isfinite(value):
            raise ValueError(f"{where}[{year}] = {value}: must be a finite number")
    return dict(sorted(points.items()))


#: The first Five-Year Plan a build-out may name: the 14th, 2021-2025.
FIRST_PLAN, FIRST_PLAN_START_YEAR = 14, 2021
_PLAN_PATTERN = re.compile(r"^\s*(\d{1,2})(st|nd|rd|th)?(\s*fyp)?\s*$", re.IGNORECASE)


def plan_end_year(plan):
    """Last year of a Five-Year Plan from the 14th (2021-2025) on, ending by 2100. [int]

    Examples
    --------
    >>> plan_end_year("15th"), plan_end_year("16th FYP")
    (2030, 2035)
    """
    match = _PLAN_PATTERN.match(str(plan))
    number = int(match.group(1)) if match else None
    last = FIRST_PLAN + (LAST_ALLOWED_YEAR - FIRST_PLAN_START_YEAR + 1) // 5 - 1
    if number is None or not FIRST_PLAN <= number <= last:
        raise ValueError(f"{plan!r} is not a five-year plan: give '14th' (2021-2025), '15th' "
                         f"(2026-2030), ... up to '{last}th' (ending {LAST_ALLOWED_YEAR})")
    return FIRST_PLAN_START_YEAR + 5 * (number - FIRST_PLAN) + 4


class _Model(BaseModel):
    # allow_inf_nan=False: every number of a scenario is finite (nan passes range checks).
    # strict=True: a number is a TOML number and text is TOML text (capacity_mw = "100" is
    # refused); the few conversions TOML needs (a list for a pair) are declared per field.
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True,
                              allow_inf_nan=False, strict=True)


class Site(_Model):
    """Where the plants stand."""

    latitude: float = Field(ge=-90, le=90, description="[deg north]")
    longitude: float = Field(ge=-180, le=180, description="[deg east]")
    altitude_m: float = Field(0.0, ge=-500, le=9000, description="[m]")
    timezone: str = Field("Asia/Shanghai", description="IANA name, for reports")

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value):
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r}: use an IANA name such as 'Asia/Shanghai'")
        return value


class WeatherSource(_Model):
    """Where the hourly weather comes from."""

    source: Union[str, list[str]] = Field(
        "builtin:shaoguan", description="'builtin:shaoguan', a file path, or (for "
        "run --weather-years) a list of files or a glob, one weather year each")
    seed: int = Field(0, ge=0, description="seed of a generated (builtin) year")
    # None (not given) means false; it stays out of the resolved scenario and its digest.
    allow_distant: Optional[StrictBool] = Field(
        None, description="accept weather more than 500 km from the site")

    @field_validator("source")
    @classmethod
    def _known_source(cls, value):
        if isinstance(value, list):
            if not value:
                raise ValueError("empty list: give weather files, one per weather year")
            for item in value:
                if item.startswith(BUILTIN_WEATHER_PREFIX) or not item or not item.isprintable():
                    raise ValueError(f"{item!r} in a list: give the paths of weather files")
            return value
        if value.startswith(BUILTIN_WEATHER_PREFIX):
            if value not in BUILTIN_WEATHER:
                raise ValueError("unknown builtin weather: allowed "
                                 f"{', '.join(repr(b) for b in BUILTIN_WEATHER)}")
        elif not value or not value.isprintable():
            raise ValueError(f"give {BUILTIN_WEATHER[0]!r} or the path of a weather file")
        return value


class Degradation(_Model):
    """Output loss with age. Age 0 is the commissioning year.

    A vintage of age ``a`` produces ``(1 - first_year_loss_pct/100) * (1 -
    annual_rate_pct/100) ** a`` of its new output: it loses the first-year loss in its
    commissioning year, then the annual rate compounds once per further year.
    """

    first_year_loss_pct: float = Field(0.0, ge=0, lt=100, description="[%]")
    annual_rate_pct: float = Field(0.0, ge=0, lt=100, description="[% per year]")


class Buildout(_Model):
    """A build-out shape: capacity in operation as a share of the fleet's capacity."""

    shape: Literal["linear", "logistic"]
    start_year: Optional[int] = Field(None, ge=FIRST_ALLOWED_YEAR, le=LAST_ALLOWED_YEAR,
                                      description="first year with capacity (linear)")
    start_share: float = Field(0.0, ge=0, le=1, description="share in start_year (linear)")
    target_year: Optional[int] = Field(None, ge=FIRST_ALLOWED_YEAR, le=LAST_ALLOWED_YEAR,
                                       description="year the full capacity is reached")
    by_fyp: Optional[str] = Field(None, description="'14th', '15th', ...: end of that plan")
    midpoint_year: Optional[float] = Field(None, ge=FIRST_ALLOWED_YEAR, le=LAST_ALLOWED_YEAR,
                                           description="logistic: year of 50 %")
    steepness_per_year: float = Field(0.8, gt=0, le=10, description="logistic: [1/yr]")

    @field_validator("by_fyp")
    @classmethod
    def _existing_plan(cls, value):
        if value is not None:
            plan_end_year(value)  # raises ValueError naming the allowed plans
        return value

    @model_validator(mode="after")
    def _complete(self):
        if self.shape == "linear":
            if self.target_year is None and self.by_fyp is None:
                raise ValueError("linear build-out: give target_year or by_fyp (e.g. '15th')")
            if self.target_year is not None and self.by_fyp is not None:
                raise ValueError("linear build-out: give target_year or by_fyp, not both")
        if self.shape == "logistic" and self.midpoint_year is None:
            raise ValueError("logistic build-out: give midpoint_year")
        if self.by_fyp is not None:
            fyp_end_year(self.by_fyp)  # raises ValueError naming the allowed forms
        return self


class CalibrationRow(_Model):
    """One observed figure a fleet was calibrated to, and how the fit met it."""

    year: int
    month: Optional[int] = Field(None, ge=1, le=12)
    observed_mwh: float = Field(ge=0, description="[MWh]")
    modelled_mwh: float = Field(ge=0, description="[MWh]")
    residual_pct: float = Field(description="modelled / observed - 1 [%]")


class Calibration(_Model):
    """Record of a fit of one physical parameter to observed output (energysim calibrate)."""

    method: str = Field(min_length=1)
    parameter: str = Field(min_length=1, description="the fleet key that was fitted")
    value: float = Field(description="its fitted value")
    uncalibrated_value: Optional[Union[float, Literal["not set"]]] = Field(
        None, description="its value before the fit (\"not set\": the fleet gave none, e.g. "
        "wind at the weather's own mean); what switching the calibration off restores. Not "
        "given: not recorded (files calibrated before energysim recorded it)")
    observed_file: str = Field(min_length=1)
    observed_sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    source: Optional[str] = Field(None, description="where the observed figures come from")
    rows: list[CalibrationRow] = Field(min_length=1)


class _Fleet(_Model):
    name: str = Field(min_length=1, max_length=64)
    capacity_mw: Optional[float] = Field(None, le=MAX_CAPACITY_MW, description="[MW] (PV: DC, MWp)")
    capacity_wan_kw: Optional[float] = Field(None, le=units.mw_to_wan_kw(MAX_CAPACITY_MW),
                                             description="[万千瓦]", exclude=True)
    buildout_share: Optional[YearPoints] = None
    additions_mw: Optional[YearPoints] = None
    additions_wan_kw: Optional[YearPoints] = Field(None, exclude=True)
    buildout: Optional[Buildout] = None
    lifetime_years: int = Field(25, ge=1, le=100, description="[yr]")
    repower: StrictBool = False
    availability_pct: float = Field(100.0, gt=0, le=100, description="[%]")
    curtailment_pct: float = Field(0.0, ge=0, lt=100, description="annual rate [%]")
    degradation: Degradation = Degradation()
    calibration: Optional[Calibration] = None

    @field_validator("name")
    @classmethod
    def _plain_name(cls, value):
        if not re.fullmatch(r"[\w.\-+ ]+", value):
            raise ValueError(f"{value!r}: use letters, digits, '-', '_', '.', '+' or spaces")
        return value

    @field_validator("buildout_share")
    @classmethod
    def _shares(cls, value):
        if value is None:
            return value
        if not value:
            raise ValueError("empty table: give at least one year = share")
        value = _check_years(value, "buildout_share")
        previous = 0.0
        for year, share in value.items():
            if not 0.0 <= share <= 1.0:
                raise ValueError(f"buildout_share[{year}] = {share}: shares must lie in 0..1")
            if share < previous:
                raise ValueError(f"buildout_share[{year}] = {share} is below an earlier share: "
                                 "capacity in operation may only grow (retirement follows lifetime_years)")
            previous = share
        return value

    @field_validator("additions_mw", "additions_wan_kw")
    @classmethod
    def _plausible_additions(cls, value, info):
        limit = MAX_CAPACITY_MW if info.field_name == "additions_mw" else units.mw_to_wan_kw(MAX_CAPACITY_MW)
        for year, added in (value or {}).items():
            if isinstance(added, (int, float)) and abs(added) > limit:
                raise ValueError(f"{info.field_name}[{year}] = {added:g}: at most {limit:g} a year")
        return value

    @field_validator("additions_mw", "additions_wan_kw")
    @classmethod
    def _additions(cls, value, info):
        if value is None:
            return value
        if not value:
            raise ValueError("empty table: give at least one year = capacity added")
        value = _check_years(value, info.field_name)
        total = 0.0
        for year, added in value.items():
            total += added
            if total < 0:
                raise ValueError(f"{info.field_name}[{year}] = {added:g}: capacity would be negative "
                                 f"({total:g}) from {year}")
            if added < 0:
                raise ValueError(f"{info.field_name}[{year}] = {added:g}: additions must be >= 0; "
                                 "retirement follows lifetime_years")
        return value

    @model_validator(mode="after")
    def _capacity_rules(self):
        # Exactly one way of stating capacity, and at most one build-out description.
        ways = [k for k in ("capacity_mw", "capacity_wan_kw", "additions_mw", "additions_wan_kw")
                if getattr(self, k) is not None]
        if "capacity_mw" in ways and "capacity_wan_kw" in ways:
            raise ValueError("give capacity_mw or capacity_wan_kw, not both")
        if "additions_mw" in ways and "additions_wan_kw" in ways:
            raise ValueError("give additions_mw or additions_wan_kw, not both")
        if not ways:
            raise ValueError("capacity missing: give capacity_mw (MW) or capacity_wan_kw (万千瓦)")
        capacity_mw = self.capacity_mw
        if self.capacity_wan_kw is not None:
            capacity_mw = units.wan_kw_to_mw(self.capacity_wan_kw)
        has_additions = self.additions_mw is not None or self.additions_wan_kw is not None
        if capacity_mw is not None:
            if not math.isfinite(capacity_mw) or capacity_mw < 0:
                raise ValueError(f"capacity = {capacity_mw:g} MW: must be a finite number >= 0")
        shapes = [k for k, given in (("buildout_share", self.buildout_share is not None),
                                     ("additions_mw", has_additions),
                                     ("buildout", self.buildout is not None)) if given]
        if len(shapes) > 1:
            raise ValueError(f"give one of buildout_share, additions_mw, buildout; got {', '.join(shapes)}")
        if has_additions and capacity_mw is not None:
            raise ValueError("additions_mw states the capacity year by year: drop capacity_mw")
        if self.buildout is not None and capacity_mw is None:
            raise ValueError("buildout needs capacity_mw (or capacity_wan_kw) to build toward")
        return self

    @model_validator(mode="wrap")
    @classmethod
    def _in_mw(cls, data, handler):
        # 万千瓦 in, MW kept: validate as given (every message names the key the user wrote),
        # then validate again with the MW equivalents in place of the 万千瓦 keys.
        return _revalidated_in_mw(data, handler)


def _revalidated_in_mw(data, handler):
    """Validate ``data``; if it states capacity in 万千瓦, validate its MW equivalent instead."""
    model = handler(data)
    if not isinstance(data, dict):
        return model
    wan_kw = getattr(model, "capacity_wan_kw", None)
    additions = getattr(model, "additions_wan_kw", None)
    if wan_kw is None and additions is None:
        return model
    data = {k: v for k, v in data.items() if k not in ("capacity_wan_kw", "additions_wan_kw")}
    if wan_kw is not None:
        data["capacity_mw"] = units.wan_kw_to_mw(wan_kw)
    if additions is not None:
        data["additions_mw"] = {y: units.wan_kw_to_mw(v) for y, v in additions.items()}
    return handler(data)


class PVFleet(_Fleet):
    """A PV fleet: one physical configuration, capacity as DC nameplate (MWp)."""

    technology: Literal["pv"] = Field("pv", exclude=True)
    tracking: Literal["fixed", "single_axis"] = "fixed"
    tilt_deg: Optional[float] = Field(None, ge=0, le=90, description="fixed only [deg]")
    azimuth_deg: float = Field(180.0, ge=0, lt=360, description="[deg from north]")
    dc_ac_ratio: float = Field(1.2, ge=0.5, le=3.0, description="[1]")
    gcr: float = Field(0.4, gt=0, lt=1, description="ground coverage ratio [1]")
    losses_pct: float = Field(14.08, ge=0, lt=100, description="lumped DC losses [%]")
    max_angle_deg: float = Field(60.0, gt=0, le=90, description="tracker limit [deg]")
    albedo: float = Field(0.2, ge=0, le=1, description="[1]")
    irradiance_scale: float = Field(1.0, gt=0, le=3, description="factor on the weather's irradiance [1]")
    lifetime_years: int = Field(25, ge=1, le=100, description="[yr]")

    @model_validator(mode="before")
    @classmethod
    def _default_tilt(cls, data):
        # A fixed array without a tilt gets 20 deg; a tracker sets its own tilt.
        if isinstance(data, dict) and data.get("tilt_deg") is None and \
                str(data.get("tracking", "fixed")).strip() == "fixed":
            data = {**data, "tilt_deg": 20.0}
        return data

    @model_validator(mode="after")
    def _tilt(self):
        if self.tracking == "single_axis" and self.tilt_deg is not None:
            raise ValueError("tilt_deg is for fixed arrays; a single-axis tracker sets its own tilt")
        return self

    #: The fields that decide the per-unit profile, named as the keyword arguments of
    #: :func:`energysim.physics.solar.pv_profile_pu`: the physics call and the cache key
    #: both come from this one list.
    PHYSICS_FIELDS: ClassVar[tuple] = ("tracking", "tilt_deg", "azimuth_deg", "dc_ac_ratio",
                                       "gcr", "losses_pct", "max_angle_deg", "albedo",
                                       "irradiance_scale")

    def physics_kwargs(self):
        """Keyword arguments of the physics call, one per :attr:`PHYSICS_FIELDS`. [dict]"""
        return {k: getattr(self, k) for k in self.PHYSICS_FIELDS}

    def physics_key(self):
        """Parameters that decide the per-unit profile (and nothing else). [dict]"""
        return {"technology": "pv", **self.model_dump(include=set(self.PHYSICS_FIELDS))}

    def physics_signature(self):
        """The same parameters as a hashable tuple, cheap enough to group sweep points by."""
        return ("pv", *(getattr(self, k) for k in self.PHYSICS_FIELDS))


class PowerCurve(_Model):
    """A turbine power curve given in the scenario."""

    wind_speed_ms: list[float] = Field(min_length=2, description="[m/s], increasing")
    power_kw: list[float] = Field(min_length=2, description="[kW]")

    @field_validator("wind_speed_ms")
    @classmethod
    def _speeds_not_negative(cls, value):
        if value and min(value) < 0:
            raise ValueError(f"{min(value):g} m/s: wind speeds are >= 0")
        return value

    @model_validator(mode="after")
    def _consistent(self):
        if len(self.wind_speed_ms) != len(self.power_kw):
            raise ValueError("wind_speed_ms and power_kw must have the same length")
        if any(b <= a for a, b in zip(self.wind_speed_ms, self.wind_speed_ms[1:])):
            raise ValueError("wind_speed_ms must increase strictly")
        if any(p < 0 or not math.isfinite(p) for p in self.power_kw) or max(self.power_kw) <= 0:
            raise ValueError("power_kw must be finite, >= 0 and not all zero")
        return self


#: Roughness length of the logarithmic wind profile when neither it nor a shear exponent is
#: given: windpowerlib's example value for open farmland with some obstacles. [m]
DEFAULT_ROUGHNESS_LENGTH_M = 0.1


class WindFleet(_Fleet):
    """A wind fleet of one turbine type at one hub height."""

    technology: Literal["wind"] = Field("wind", exclude=True)
    turbine: Optional[str] = Field(None, description="windpowerlib turbine_type")
    power_curve: Optional[PowerCurve] = None
    hub_height_m: float = Field(gt=0, le=300, description="[m]")
    mean_wind_speed_ms: Optional[float] = Field(
        None, gt=0, le=30, description="site mean at mean_wind_height_m [m/s]")
    mean_wind_height_m: Optional[float] = Field(
        None, gt=0, le=300,
        description="height of mean_wind_speed_ms; not given: at the hub, whatever the hub [m]")
    wind_profile: Optional[Literal["logarithmic", "power_law"]] = Field(
        None, description="law from the site mean's height to the hub; set by the keys below")
    # >= 1e-5 m (about smooth ice; open sea is ~2e-4 m): a subnormal length gave NaN winds
    roughness_length_m: Optional[float] = Field(
        None, ge=1e-5, le=5, description="logarithmic law; default 0.1 [m]")
    shear_exponent: Optional[float] = Field(None, ge=0, le=1, description="power law [1]")
    weibull_k: Optional[float] = Field(
        None, ge=1, le=5, description="hub speeds mapped by rank onto this Weibull shape [1]")
    wind_farm_efficiency: float = Field(0.8855, gt=0, le=1, description="wake etc. [1]")
    availability_pct: float = Field(97.0, gt=0, le=100, description="[%]")
    lifetime_years: int = Field(20, ge=1, le=100, description="[yr]")

    @field_validator("turbine")
    @classmethod
    def _known_turbine(cls, value):
        if value is not None:
            check_turbine_name(value)  # raises ValueError listing the closest names
        return value

    @field_validator("hub_height_m")
    @classmethod
    def _above_the_blade_tips(cls, value, info):
        diameter = rotor_diameter_m(info.data.get("turbine"))
        if diameter is not None and value <= diameter / 2:
            raise ValueError(f"below half the rotor diameter of {info.data['turbine']} "
                             f"({diameter:g} m): the blades would reach the ground; give more "
                             f"than {diameter / 2:g} m")
        return value

    @field_validator("roughness_length_m")
    @classmethod
    def _below_the_hub(cls, value, info):
        # The log law ln(z / z0) needs both heights above the roughness length.
        for key in ("hub_height_m", "mean_wind_height_m"):
            height = info.data.get(key)
            if value is not None and height is not None and value >= height:
                raise ValueError(f"at or above {key} = {height:g}: the logarithmic wind "
                                 "profile needs heights above the roughness length")
        return value

    @model_validator(mode="after")
    def _turbine(self):
        if (self.turbine is None) == (self.power_curve is None):
            raise ValueError("give turbine (a windpowerlib name) or a [wind.power_curve] table, one of the two")
        return self

    @model_validator(mode="before")
    @classmethod
    def _profile_defaults(cls, data):
        # The law that carries the site mean to the hub defaults to the logarithmic one
        # with 0.1 m unless a shear exponent is given; the resolved scenario names the law
        # in wind_profile. The site mean's height stays None when not given: "at the hub",
        # whatever the hub becomes (with_changes, a sweep); see site_mean_height_m.
        if not isinstance(data, dict):
            return data
        data = dict(data)
        power = data.get("shear_exponent") is not None
        if data.get("wind_profile") is None:
            data["wind_profile"] = "power_law" if power else "logarithmic"
        if not power and data.get("roughness_length_m") is None:
            data["roughness_length_m"] = DEFAULT_ROUGHNESS_LENGTH_M
        return data

    @model_validator(mode="after")
    def _one_profile(self):
        if self.shear_exponent is not None and self.roughness_length_m is not None:
            raise ValueError("give roughness_length_m (logarithmic law) or shear_exponent "
                             "(power law), not both")
        law = "logarithmic" if self.shear_exponent is None else "power_law"
        if self.wind_profile != law:
            need = "shear_exponent" if self.wind_profile == "power_law" else "no shear_exponent"
            raise ValueError(f"wind_profile = {self.wind_profile!r} needs {need}")
        return self

    #: The fields that decide the per-unit profile, named as the keyword arguments of
    #: :func:`energysim.physics.wind.wind_profile_pu` (``power_curve``, when given, is
    #: passed as its ``turbine``): the physics call and the cache key both come from here.
    #: ``wind_profile`` is not among them: ``shear_exponent`` (given or None) decides it.
    PHYSICS_FIELDS: ClassVar[tuple] = ("turbine", "power_curve", "hub_height_m",
                                       "mean_wind_speed_ms", "mean_wind_height_m",
                                       "roughness_length_m", "shear_exponent", "weibull_k",
                                       "wind_farm_efficiency")

    @property
    def site_mean_height_m(self):
        """Height of the site mean: ``mean_wind_height_m``, or the hub's when not given. [m]"""
        return self.hub_height_m if self.mean_wind_height_m is None else self.mean_wind_height_m

    def physics_kwargs(self):
        """Keyword arguments of the physics call, one per :attr:`PHYSICS_FIELDS`. [dict]

        ``mean_wind_height_m`` is the resolved :attr:`site_mean_height_m`.
        """
        kwargs = {k: getattr(self, k) for k in self.PHYSICS_FIELDS}
        kwargs["mean_wind_height_m"] = self.site_mean_height_m
        return kwargs

    def physics_key(self):
        """Parameters that decide the per-unit profile (and nothing else). [dict]"""
        key = {"technology": "wind", **self.model_dump(include=set(self.PHYSICS_FIELDS))}
        key["mean_wind_height_m"] = self.site_mean_height_m
        return key

    def physics_signature(self):
        """The same parameters as a hashable tuple, cheap enough to group sweep points by."""
        curve = self.power_curve
        curve = None if curve is None else (tuple(curve.wind_speed_ms), tuple(curve.power_kw))
        kwargs = self.physics_kwargs()
        return ("wind", *(curve if k == "power_curve" else kwargs[k]
                          for k in self.PHYSICS_FIELDS))


# --------------------------------------------------------------------------- issue 12 fleets
# Hydro, biomass, storage and electrolysers reuse the fleet base (_Fleet): capacity (MW or
# 万千瓦), build-out, lifetime, availability and degradation work as for PV and wind.

#: Displaced hydrogen's CO2, by how it is made [kgCO2/kgH2]: REFERENCE §9 (CRAES 2024):
#: coal gasification about 19 direct (23.79 life-cycle), gas reforming about 10 direct.
DISPLACED_H2_PRESETS = {"coal-gasification": 19.0, "gas-reforming": 10.0}
#: Round-trip efficiency of battery storage, AC to AC [1]: NREL ATB (2020, citing Cole and
#: Frazier 2020) uses 85 %; REFERENCE §9.
DEFAULT_ROUND_TRIP_EFFICIENCY = 0.85
#: Electrolyser system consumption [kWh/kgH2]: IRENA (2020) gives 50-83; REFERENCE §8.
DEFAULT_KWH_PER_KG = 55.0
#: Alkaline electrolysers run from 15 % of their capacity (IRENA 2020; REFERENCE §8). [%]
DEFAULT_MIN_LOAD_PCT = 15.0
#: Storage-pairing presets (see :data:`energysim.fleet.PAIRING_RULES`).
PAIRING_PRESETS = ("guangdong",)


class HydroFleet(_Fleet):
    """Run-of-river hydro: must-run, output from monthly capacity factors."""

    technology: Literal["hydro"] = Field("hydro", exclude=True)
    monthly_capacity_factor: list[float] = Field(
        description="12 values, January to December: mean output per unit of capacity [1]")
    daily_shape: Optional[list[float]] = Field(
        None, description="24 values, local hour 0-23: relative output within the day [1]")
    lifetime_years: int = Field(50, ge=1, le=100, description="[yr]")

    @field_validator("monthly_capacity_factor")
    @classmethod
    def _monthly(cls, value):
        if len(value) != 12:
            raise ValueError(f"{len(value)} values: give 12 (January to December)")
        if any(not 0.0 <= v <= 1.0 for v in value):
            raise ValueError("capacity factors must lie in 0..1")
        return value

    @field_validator("daily_shape")
    @classmethod
    def _daily(cls, value):
        if value is None:
            return value
        if len(value) != 24:
            raise ValueError(f"{len(value)} values: give 24 (local hour 0 to 23)")
        if any(v < 0 for v in value) or sum(value) <= 0:
            raise ValueError("values must be >= 0 and not all zero")
        return value

    @model_validator(mode="after")
    def _at_most_capacity(self):
        if self.daily_shape is not None:
            peak = max(self.daily_shape) * 24.0 / sum(self.daily_shape)
            worst = max(self.monthly_capacity_factor) * peak
            if worst > 1.0:
                raise ValueError(f"daily_shape peaks at {peak:.3g} x the daily mean: with a monthly "
                                 f"capacity factor of {max(self.monthly_capacity_factor):g} the output "
                                 "would exceed the capacity; flatten the shape")
        return self

    PHYSICS_FIELDS: ClassVar[tuple] = ("monthly_capacity_factor", "daily_shape")

    def physics_kwargs(self):
        """Keyword arguments of the profile call, one per :attr:`PHYSICS_FIELDS`. [dict]"""
        return {k: getattr(self, k) for k in self.PHYSICS_FIELDS}

    def physics_key(self):
        """Parameters that decide the per-unit profile (and nothing else). [dict]"""
        return {"technology": "hydro", **self.model_dump(include=set(self.PHYSICS_FIELDS))}

    def physics_signature(self):
        """The same parameters as a hashable tuple."""
        shape = None if self.daily_shape is None else tuple(self.daily_shape)
        return ("hydro", tuple(self.monthly_capacity_factor), shape)


class BiomassFleet(_Fleet):
    """Biomass power: a steady, fuel-limited output that backs off first at the export limit.

    Its per-unit output is ``annual_full_load_hours / 8760`` (or ``capacity_factor``) every
    hour, times ``availability_pct``; it is dispatchable, so when the limit binds it runs
    below that before any PV, wind or hydro is curtailed (fuel not burnt, not energy lost).
    """

    technology: Literal["biomass"] = Field("biomass", exclude=True)
    annual_full_load_hours: Optional[float] = Field(None, gt=0, le=8760, description="[h]")
    capacity_factor: Optional[float] = Field(None, gt=0, le=1, description="[1]")

    @model_validator(mode="after")
    def _one_output(self):
        if (self.annual_full_load_hours is None) == (self.capacity_factor is None):
            raise ValueError("give annual_full_load_hours or capacity_factor, one of the two")
        return self

    def output_pu(self):
        """Hourly output per unit of capacity before availability. [MW/MW]"""
        if self.capacity_factor is not None:
            return self.capacity_factor
        return self.annual_full_load_hours / units.HOURS_PER_YEAR

    PHYSICS_FIELDS: ClassVar[tuple] = ("annual_full_load_hours", "capacity_factor")

    def physics_kwargs(self):
        """The fields that decide the per-unit profile. [dict]"""
        return {k: getattr(self, k) for k in self.PHYSICS_FIELDS}

    def physics_key(self):
        """Parameters that decide the per-unit profile. [dict]"""
        return {"technology": "biomass", "output_pu": self.output_pu()}

    def physics_signature(self):
        """The same as a hashable tuple."""
        return ("biomass", self.output_pu())


_POWER_KEYS = {"power_mw": "capacity_mw", "power_wan_kw": "capacity_wan_kw"}


class StorageFleet(_Fleet):
    """Battery storage: charges only from what the export limit would curtail.

    Power is given as ``power_mw`` or ``power_wan_kw`` (stored as ``capacity_mw``, which is
    accepted too, so a resolved scenario reads back); build-out keys state power too. With
    ``pairing = "guangdong"`` the power and duration follow the province's pairing rule on
    the scenario's PV and wind additions instead (no capacity keys then).
    """

    technology: Literal["storage"] = Field("storage", exclude=True)
    duration_h: Optional[float] = Field(None, gt=0, le=1000, description="energy / power [h]")
    round_trip_efficiency: float = Field(DEFAULT_ROUND_TRIP_EFFICIENCY, gt=0, le=1,
                                         description="AC to AC [1]")
    min_soc_pct: float = Field(0.0, ge=0, lt=100, description="reserved share of energy [%]")
    pairing: Optional[Literal["guangdong"]] = None
    lifetime_years: int = Field(15, ge=1, le=100, description="[yr]")

    @model_validator(mode="wrap")
    @classmethod
    def _in_mw(cls, data, handler):
        # Overrides the fleet base's: power keys become capacity keys first, then 万千瓦 -> MW.
        return _revalidated_in_mw(cls._power_keys(data), handler)

    @staticmethod
    def _power_keys(data):
        if not isinstance(data, dict):
            return data
        data = dict(data)
        if data.get("pairing") in PAIRING_PRESETS:
            given = [k for k in ("power_mw", "power_wan_kw", "capacity_wan_kw", "additions_mw",
                                 "additions_wan_kw", "buildout", "buildout_share", "duration_h")
                     if k in data]
            if data.get("capacity_mw", 0.0) != 0.0:  # 0: a resolved scenario's placeholder
                given.insert(0, "capacity_mw")
            if given:
                raise ValueError(f"pairing = {data['pairing']!r} sets power and duration from the "
                                 f"PV and wind additions: drop {', '.join(given)}")
            data["capacity_mw"] = 0.0  # placeholder: the pairing rule states the power
        for key, target in _POWER_KEYS.items():
            if key in data:
                if target in data:
                    raise ValueError(f"give {key} or {target}, not both (power_* is the usual key)")
                data[target] = data.pop(key)
        return data

    @model_validator(mode="after")
    def _duration(self):
        if self.pairing is None and self.duration_h is None:
            raise ValueError("duration_h missing: give the hours at full power (energy / power)")
        _no_curtailment_rate(self)
        return self


_ELECTROLYSER_SUPPLY = Literal["surplus"]


def _no_curtailment_rate(unit):
    if unit.curtailment_pct:
        raise ValueError(f"curtailment_pct = {unit.curtailment_pct:g}: a curtailment rate applies to "
                         f"generating fleets, not to {unit.technology}")


class Electrolyser(_Fleet):
    """An electrolyser: makes hydrogen from curtailed energy or from dedicated fleets.

    Capacity is its electrical input (MW). ``supply = "surplus"`` takes only what the
    export limit would curtail after storage; a list of fleet names takes those fleets'
    output first (then tops up from the surplus).
    """

    technology: Literal["electrolyser"] = Field("electrolyser", exclude=True)
    kwh_per_kg: float = Field(DEFAULT_KWH_PER_KG, ge=30, le=150, description="[kWh/kgH2]")
    min_load_pct: float = Field(DEFAULT_MIN_LOAD_PCT, ge=0, le=100, description="[%]")
    supply: Union[_ELECTROLYSER_SUPPLY, list[str]] = "surplus"
    displaced_kgco2_per_kg: float = Field(
        DISPLACED_H2_PRESETS["coal-gasification"], ge=0, le=100,
        description="CO2 of the hydrogen it replaces [kgCO2/kgH2]; or a preset name")
    lifetime_years: int = Field(20, ge=1, le=100, description="[yr]")

    @field_validator("displaced_kgco2_per_kg", mode="before")
    @classmethod
    def _displaced_preset(cls, value):
        if isinstance(value, str):
            if value not in DISPLACED_H2_PRESETS:
                raise ValueError(_unknown("preset", value, DISPLACED_H2_PRESETS))
            return DISPLACED_H2_PRESETS[value]
        return value

    @model_validator(mode="after")
    def _generating_keys(self):
        _no_curtailment_rate(self)
        return self

    @field_validator("supply")
    @classmethod
    def _supply(cls, value):
        if isinstance(value, list):
            if not value:
                raise ValueError('empty list: give fleet names, or "surplus"')
            if len(set(value)) != len(value):
                raise ValueError("a fleet is named twice")
        return value


class EmissionFactor(_Model):
    """A grid emission-factor path built from a named preset of published figures."""

    preset: str
    extend: Literal["hold", "decline", "points"] = "decline"
    decline_pct_per_year: float = Field(2.4, ge=0, lt=100, description="[%/yr]")
    points_t_per_mwh: Optional[YearPoints] = None

    @field_validator("points_t_per_mwh")
    @classmethod
    def _point_years(cls, value):
        return value if value is None else _check_years(value, "points_t_per_mwh")

    @model_validator(mode="after")
    def _known(self):
        if self.preset not in EMISSION_FACTOR_PRESETS:
            raise ValueError(_unknown("preset", self.preset, EMISSION_FACTOR_PRESETS))
        if self.extend == "points" and not self.points_t_per_mwh:
            raise ValueError("extend = 'points' needs points_t_per_mwh after the published years")
        if self.points_t_per_mwh:
            _check_nonneg(self.points_t_per_mwh, "points_t_per_mwh")
        return self


class Grid(_Model):
    """The grid the fleets feed: emission factor, export limit, coal rate."""

    emission_factor_t_per_mwh: Optional[Union[float, YearPoints]] = None
    emission_factor: Optional[EmissionFactor] = None
    emission_factor_hourly_shape: Optional[list[float]] = None
    export_limit_mw: Optional[Union[float, YearPoints]] = None
    coal_rate_g_per_kwh: Optional[Union[float, YearPoints]] = None

    @field_validator("emission_factor_t_per_mwh", "coal_rate_g_per_kwh", "export_limit_mw")
    @classmethod
    def _points(cls, value, info):
        if value is None:
            return value
        points = {0: value} if isinstance(value, (int, float)) else value
        if not points:
            raise ValueError("empty table: give a number or year = value points")
        if isinstance(value, dict):
            _check_years(points, info.field_name)
        _check_nonneg(points, info.field_name, strict=info.field_name == "export_limit_mw")
        return value

    @field_validator("emission_factor_hourly_shape")
    @classmethod
    def _shape(cls, value):
        if value is None:
            return value
        if len(value) not in (24, 8760):
            raise ValueError(f"{len(value)} values: give 24 (hour of day, local) or 8760")
        if any((not math.isfinite(v)) or v < 0 for v in value):
            raise ValueError("values must be finite and >= 0")
        return value

    @model_validator(mode="after")
    def _one_factor(self):
        if self.emission_factor_t_per_mwh is not None and self.emission_factor is not None:
            raise ValueError("give emission_factor_t_per_mwh (points) or [grid.emission_factor] (preset), not both")
        return self


class CapacityTarget(_Model):
    """A capacity target of one technology by one year."""

    technology: Literal["pv", "wind"]
    year: int
    capacity_mw: Optional[float] = Field(None, gt=0)
    capacity_wan_kw: Optional[float] = Field(None, gt=0, exclude=True)
    label: str = ""

    @model_validator(mode="after")
    def _units(self):
        if (self.capacity_mw is None) == (self.capacity_wan_kw is None):
            raise ValueError("give capacity_mw or capacity_wan_kw, one of the two")
        return self

    @model_validator(mode="wrap")
    @classmethod
    def _in_mw(cls, data, handler):
        return _revalidated_in_mw(data, handler)


class Targets(_Model):
    """The 3060 goals and the city's own targets."""

    # Milestones only: a year outside the simulated years is simply not shown.
    peak_year: int = Field(2030, ge=FIRST_ALLOWED_YEAR, le=LAST_ALLOWED_YEAR)
    neutrality_year: int = Field(2060, ge=FIRST_ALLOWED_YEAR, le=LAST_ALLOWED_YEAR)
    baseline_emissions_mt: Optional[Union[YearPoints, Literal["shaoguan-ceads"]]] = Field(
        None, description="[MtCO2/yr] points, or a preset (energysim.carbon.BASELINE_PRESETS)")
    baseline_decline_pct_per_year: float = Field(
        0.0, ge=0, lt=100, description="after the last point; 0 holds it [%/yr]")
    capacity: list[CapacityTarget] = []

    @field_validator("baseline_emissions_mt")
    @classmethod
    def _baseline(cls, value):
        if isinstance(value, dict):
            _check_years(value, "baseline_emissions_mt")
            _check_nonneg(value, "baseline_emissions_mt", strict=True)
        return value


class Output(_Model):
    """What `run` writes besides the annual table."""

    hourly_years: Optional[list[int]] = Field(
        None, description="default: the first year with the full build-out")


class Scenario(_Model):
    """A validated scenario, all quantities in SI / power-sector units."""

    schema_version: Literal[1] = 1
    name: str = Field(min_length=1, max_length=80)
    description: str = ""
    years: tuple[StrictInt, StrictInt] = Field(strict=False)  # TOML gives [first, last]
    site: Site
    weather: WeatherSource = WeatherSource()
    pv: list[PVFleet] = []
    wind: list[WindFleet] = []
    hydro: list[HydroFleet] = []
    biomass: list[BiomassFleet] = []
    storage: list[StorageFleet] = []
    electrolyser: list[Electrolyser] = []
    grid: Grid = Grid()
    targets: Targets = Targets()
    output: Output = Output()
    base_dir: Optional[str] = Field(None, exclude=True, description="folder of the file")

    @field_validator("name")
    @classmethod
    def _folder_name(cls, value):
        if not re.fullmatch(r"[\w.\-+]+", value) or value in (".", ".."):
            raise ValueError(f"{value!r}: a name is also a folder name: use letters, digits, '-', '_', '.'")
        return value

    @field_validator("name")
    @classmethod
    def _name_fits_file_system(cls, value):
        check_name_bytes(value)
        return value

    @field_validator("years")
    @classmethod
    def _years(cls, value):
        first, last = value
        if not FIRST_ALLOWED_YEAR <= first <= LAST_ALLOWED_YEAR or not FIRST_ALLOWED_YEAR <= last <= LAST_ALLOWED_YEAR:
            raise ValueError(f"years must lie in {FIRST_ALLOWED_YEAR}..{LAST_ALLOWED_YEAR}")
        if last < first:
            raise ValueError(f"[{first}, {last}]: give [first, last] with first <= last")
        return value

    @model_validator(mode="after")
    def _whole(self):
        if not self.fleets:
            raise ValueError("no fleet: add at least one [[pv]], [[wind]], [[hydro]] or [[biomass]] table")
        names = [f.name for f in self.units]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ValueError(f"fleet names must be unique; repeated: {', '.join(dupes)}")
        first, last = self.years
        self._check_new_units()
        for cfg in self.units:
            for year in (cfg.additions_mw or {}):
                if not first <= year <= last:
                    raise ValueError(f"[{cfg.technology}.{cfg.name}] additions year {year}: must lie "
                                     f"in the simulated years {first}..{last}")
        for target in self.targets.capacity:
            if not first <= target.year <= last:
                raise ValueError(f"targets.capacity year {target.year}: must lie in the simulated years {first}..{last}")
        if self.output.hourly_years:
            for year in self.output.hourly_years:
                if not first <= year <= last:
                    raise ValueError(f"output.hourly_years: {year} is outside {first}..{last}")
        return self

    @property
    def fleets(self):
        """Generating fleets: PV, wind, hydro, then biomass, each in file order. [list]"""
        return [*self.pv, *self.wind, *self.hydro, *self.biomass]

    @property
    def units(self):
        """Every table with a capacity: the fleets, then storage, then electrolysers. [list]"""
        return [*self.fleets, *self.storage, *self.electrolyser]

    @property
    def needs_dispatch(self):
        """Whether the hours depend on each other or on a dispatch order (biomass backing
        off, storage, electrolysers), so the hourly dispatch kernel must run. [bool]"""
        return bool(self.biomass or self.storage or self.electrolyser)

    def _check_new_units(self):
        must_run = {f.name for f in (*self.pv, *self.wind, *self.hydro)}
        fed = {}
        for cfg in self.electrolyser:
            if isinstance(cfg.supply, list):
                for name in cfg.supply:
                    if name not in must_run:
                        raise ValueError(f"[electrolyser.{cfg.name}] supply: {_unknown('fleet', name, must_run)}"
                                         " (PV, wind or hydro fleets, or \"surplus\")")
                    if name in fed:
                        raise ValueError(f"[electrolyser.{cfg.name}] supply: fleet {name!r} already feeds "
                                         f"[electrolyser.{fed[name]}]; a fleet feeds one electrolyser")
                    fed[name] = cfg.name
        if any(s.pairing for s in self.storage) and not (self.pv or self.wind):
            raise ValueError("[storage] pairing: there are no PV or wind fleets to pair with")

    @property
    def year_list(self):
        """Every simulated year, inclusive. [list of int]"""
        return list(range(self.years[0], self.years[1] + 1))

    def resolve_path(self, path):
        """A path from the scenario, made absolute relative to the scenario's folder."""
        path = Path(path).expanduser()
        if not path.is_absolute() and self.base_dir is not None:
            path = Path(self.base_dir) / path
        return path

    def with_changes(self, changes, where="with_changes"):
        """A new scenario with some keys set, fully validated again.

        Parameters
        ----------
        changes : dict of str to object
            Dotted paths as in sweep files (``"pv[0].capacity_wan_kw"``,
            ``"wind[ridge-wind].hub_height_m"``, ``"grid.export_limit_mw"``,
            ``"grid.emission_factor_t_per_mwh[2060]"``) to values in the unit the key
            names. Setting one key of a unit pair replaces the other (``capacity_wan_kw``
            replaces ``capacity_mw``, ``additions_wan_kw`` replaces ``additions_mw``, a
            build-out description replaces the others, ...).
        where : str
            Names the change in error messages.

        Returns
        -------
        Scenario
            This scenario is unchanged.

        Raises
        ------
        ScenarioError
            One line: an unknown path (with close matches) or a value out of range.

        Examples
        --------
        >>> base = scenario_from_dict({"name": "x", "years": [2025, 2030],
        ...     "site": {"latitude": 24.7, "longitude": 113.6},
        ...     "pv": [{"name": "pv", "capacity_mw": 100}]})
        >>> base.with_changes({"pv[pv].capacity_wan_kw": 50}).pv[0].capacity_mw
        500.0
        """
        data = self.to_dict()
        targets = [(path, resolve_path(path, self, data, where=where, table=""), value)
                   for path, value in dict(changes).items()]
        others = {keys for _, keys, _ in targets}
        for _, keys, value in targets:
            assign_path(data, keys, value, replaced_keys(keys, value, others - {keys}))
        return scenario_from_dict(data, where=where, base_dir=self.base_dir)

    def to_dict(self):
        """The resolved scenario (SI units, defaults filled) as plain data."""
        return self.model_dump(mode="json", exclude_none=True)

    def digest(self):
        """SHA-256 of the resolved scenario; identical for equivalent files. [hex str]

        A weather file counts by its absolute path, as :func:`to_toml` records it, so a
        result folder's ``scenario.toml`` keeps the digest of the run that wrote it.
        """
        data = self._resolved_dict()
        # A site mean "at the hub" (height not given) simulates as one at the hub's height
        # given explicitly: both digest alike (and as before the height stayed None).
        for fleet, item in zip(self.wind, data.get("wind", [])):
            item["mean_wind_height_m"] = fleet.site_mean_height_m
        text = json.dumps(data, sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(text.encode("utf-8")).hexdigest()

    def _resolved_dict(self):
        data = self.to_dict()
        source = self.weather.source
        if isinstance(source, list):
            data["weather"]["source"] = [str(self.resolve_path(s).resolve()) for s in source]
        elif not source.startswith(BUILTIN_WEATHER_PREFIX):
            data["weather"]["source"] = str(self.resolve_path(source).resolve())
        return data

    def weather_years_given(self):
        """Whether ``[weather] source`` names several weather years (a list or a glob). [bool]"""
        source = self.weather.source
        return isinstance(source, list) or any(c in source for c in "*?[")


def _check_nonneg(points, where, strict=False):
    for year, value in points.items():
        bad = value <= 0 if strict else value < 0
        if bad or not math.isfinite(value):
            label = f"{where}[{year}]" if year else where
            raise ValueError(f"{label} = {value}: must be a finite number {'>' if strict else '>='} 0")


def _unknown(kind, value, allowed):
    close = difflib.get_close_matches(str(value), list(allowed), n=3, cutoff=0.5)
    hint = f"; did you mean {' or '.join(repr(c) for c in close)}?" if close else ""
    return f"unknown {kind} {value!r}{hint}; allowed: {', '.join(sorted(allowed))}"


# --------------------------------------------------------------------------- parsing

def load_scenario(path):
    """Read and validate a scenario TOML file.

    Parameters
    ----------
    path : str or Path
        The scenario file; paths inside it are relative to its folder.

    Returns
    -------
    Scenario

    Raises
    ------
    ScenarioError
        One line naming the file, the table and key, the value and what is allowed.
    """
    path = Path(path)
    where = str(path)
    if not path.exists():
        raise ScenarioError(f"{where}: no such file")
    if path.is_dir():
        raise ScenarioError(f"{where}: is a directory: give a scenario .toml file")
    try:
        raw = path.read_bytes()
    except OSError as err:
        raise ScenarioError(f"{where}: cannot read: {err.strerror}") from err
    text = decode_text(raw, where)
    return parse_scenario(text, where=where, base_dir=path.resolve().parent)


def decode_text(raw, where):
    """The text of a UTF-8 file, read whatever its byte-order mark and line endings. [str]

    A UTF-8 byte-order mark (Windows Notepad) is dropped; CRLF and a lone CR (old Mac
    tools) become LF, which TOML reads like any line break.

    Raises
    ------
    ScenarioError
        If the bytes are not UTF-8, naming the first bad byte.
    """
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise ScenarioError(f"{where}: not UTF-8 text (byte {err.start}): save the file as UTF-8") from None
    return text.replace("\r\n", "\n").replace("\r", "\n")


def parse_scenario(text, where="<scenario>", base_dir=None):
    """Validate a scenario given as TOML text; see :func:`load_scenario`."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise ScenarioError(f"{where}: TOML syntax error: {err}") from err
    return scenario_from_dict(data, where=where, base_dir=base_dir)


def scenario_from_dict(data, where="<scenario>", base_dir=None):
    """Validate a scenario given as a dict (as parsed from TOML); see :func:`load_scenario`."""
    if not isinstance(data, dict):
        raise ScenarioError(f"{where}: a scenario is a TOML table")
    data = dict(data)
    data.pop("base_dir", None)
    if base_dir is not None:
        data["base_dir"] = str(base_dir)
    _reject_booleans(data, data, where)
    try:
        return Scenario.model_validate(_normalize_year_keys(data))
    except ValidationError as err:
        raise ScenarioError(format_validation_error(err, data, where)) from None
    except ValueError as err:  # raised by a helper outside pydantic's wrapping
        raise ScenarioError(f"{where}: {err}") from None


def validate_table(key, value, where="<scenario>"):
    """Validate one top-level table of a scenario on its own, e.g. one ``[[pv]]`` entry.

    A sweep changes a few tables of a validated base scenario per point; validating just
    those tables (then assembling the scenario from validated parts) costs a fraction of
    :func:`scenario_from_dict`. Checks that need the whole scenario (unique names, years)
    still run when the parts are put together.

    Parameters
    ----------
    key : str
        ``"pv"``, ``"wind"`` (one entry of the list), ``"site"``, ``"weather"``, ``"grid"``,
        ``"targets"`` or ``"output"``.
    value : dict
        The table as parsed from TOML.
    where : str
        Names the source in the error message.

    Returns
    -------
    pydantic.BaseModel
        The validated table.

    Raises
    ------
    ScenarioError
        The table is invalid (the message is shorter than the whole-scenario one: callers
        wanting the full location re-validate with :func:`scenario_from_dict`).
    KeyError
        ``key`` is not a table validated on its own.
    """
    model = _TABLE_MODELS[key] if key in STANDALONE_TABLES else None
    if model is None:
        raise KeyError(key)
    _reject_booleans(value, value, where)
    try:
        return model.model_validate(_normalize_year_keys(value))
    except (ValidationError, ValueError) as err:
        raise ScenarioError(f"{where} [{key}]: {err}") from None


#: Top-level tables :func:`validate_table` validates on their own.
STANDALONE_TABLES = ("pv", "wind", "hydro", "biomass", "storage", "electrolyser", "site",
                     "weather", "grid", "targets", "output")

#: The keys that take true/false; pydantic's lax mode would read `latitude = true` as 1.0.
_BOOLEAN_KEYS = {"repower", "allow_distant"}


def _reject_booleans(node, data, where, path=()):
    """Raise ScenarioError for a TOML true/false anywhere but under a yes/no key."""
    if isinstance(node, dict):
        items = node.items()
    else:
        items = enumerate(node) if isinstance(node, list) else ()
    for key, value in items:
        if isinstance(value, bool) and key not in _BOOLEAN_KEYS:
            raise ScenarioError(f"{where} {_location((*path, key), data)} = {str(value).lower()}: "
                                f"give a number or text; only {', '.join(sorted(_BOOLEAN_KEYS))} "
                                "take true/false")
        if isinstance(value, (dict, list)):  # recurse into tables only: sweeps call this a lot
            _reject_booleans(value, data, where, (*path, key))


_YEAR_TABLES = {"buildout_share", "additions_mw", "additions_wan_kw", "emission_factor_t_per_mwh",
                "export_limit_mw", "coal_rate_g_per_kwh", "baseline_emissions_mt",
                "points_t_per_mwh"}


def _normalize_year_keys(data):
    """TOML keys are strings: turn the year keys of year tables into ints (and say so if not)."""
    if isinstance(data, list):
        return [_normalize_year_keys(v) if isinstance(v, (dict, list)) else v for v in data]
    if not isinstance(data, dict):
        return data
    out = {}
    for key, value in data.items():
        if key in _YEAR_TABLES and isinstance(value, dict):
            points = {}
            for year, v in value.items():
                try:
                    points[int(year)] = v
                except (TypeError, ValueError):
                    points[year] = v  # pydantic then reports the key as not a year
            out[key] = points
        elif isinstance(value, (dict, list)):
            out[key] = _normalize_year_keys(value)
        else:
            out[key] = value
    return out


# Keys that carry a unit in their name; a bare dimensional key gets pointed at them.
_SUFFIX_HINTS = {
    "capacity": "capacity_mw or capacity_wan_kw", "tilt": "tilt_deg", "azimuth": "azimuth_deg",
    "hub_height": "hub_height_m", "altitude": "altitude_m", "losses": "losses_pct",
    "emission_factor": "emission_factor_t_per_mwh", "export_limit": "export_limit_mw",
    "mean_wind_speed": "mean_wind_speed_ms", "availability": "availability_pct",
    "additions": "additions_mw or additions_wan_kw", "lifetime": "lifetime_years",
    "power": "power_mw or power_wan_kw", "duration": "duration_h", "min_soc": "min_soc_pct",
    "min_load": "min_load_pct", "full_load_hours": "annual_full_load_hours",
    "displaced_co2": "displaced_kgco2_per_kg", "consumption": "kwh_per_kg",
}


def format_validation_error(err, data, where, *, location=None, allowed=None, shown=None):
    """Turn a pydantic ValidationError into one line: file, table, key, value, what is allowed.

    Parameters
    ----------
    err : pydantic.ValidationError
    data : dict
        The input that was validated (fleets are named by their ``name`` in locations).
    where : str
        The file (or other source), the first word of the line.
    location : callable, optional
        ``location(loc, data) -> str`` renders a pydantic location; default: the
        scenario's ``[pv.utility-pv] key``. Another file format (the sweep file) passes
        its own.
    allowed : callable, optional
        ``allowed(loc, data) -> list of str``: the keys allowed where an unknown key was
        given; default: the scenario model's, with a hint for a key missing its unit suffix.
    shown : callable, optional
        ``shown(value) -> str or None``: the given value as the line shows it after ``=``;
        default: the ``repr`` of a single value, nothing for a table or list.

    Returns
    -------
    str
        ``<where> <location> = <value>: <what is allowed>``; a validator's own
        ``PydanticCustomError("missing", hint)`` reads ``<location> missing: <hint>``.
    """
    errors = err.errors(include_url=False)
    # A misspelt required key fails twice: unknown key and required key missing. Name the
    # typo (with its "did you mean"), which is what the user has to change.
    unknown = [e for e in errors if e["type"] == "extra_forbidden"]
    first = unknown[0] if unknown else errors[0]
    loc = (location or _location)(first["loc"], data)
    value = first.get("input")
    kind = first["type"]
    msg = first["msg"]
    if msg.startswith("Value error, "):
        msg = msg[len("Value error, "):]
    if kind == "extra_forbidden":
        key = str(first["loc"][-1])
        hints = _SUFFIX_HINTS if allowed is None else {}
        allowed = (allowed or _allowed_keys)(first["loc"], data)
        hint = hints.get(key)
        if hint:
            text = f"{loc}: unknown key: quantities carry their unit in the key, e.g. {hint}"
        else:
            close = difflib.get_close_matches(key, allowed, n=1, cutoff=0.6)
            text = f"{loc}: unknown key" + (f"; did you mean {close[0]!r}?" if close else "")
            if allowed and not close:
                text += f"; allowed: {', '.join(allowed)}"
    elif first["loc"] and str(first["loc"][-1]) == "[key]":
        text = f"{loc}: not a year: year tables take keys like 2025 = ..."
    elif kind == "missing":
        custom = msg != "Field required"  # a validator's PydanticCustomError("missing", hint)
        text = f"{loc} missing: {msg}" if custom else f"{loc}: required key missing"
    elif kind in ("literal_error", "enum"):
        text = f"{loc} = {value!r}: {msg.replace('Input should be', 'allowed:')}"
    elif (given := (shown or _shown)(value)) is not None:
        # A validator may have named the key and value itself ("key = v: ..."); say it once.
        key = str(first["loc"][-1]) if first["loc"] else ""
        if key and msg.startswith(f"{key} = ") and ": " in msg:
            msg = msg.split(": ", 1)[1]
        text = f"{loc} = {given}: {msg}"
    else:
        text = f"{loc}: {msg}"
    more = len(errors) - 1
    if more:
        text += f" (and {more} more problem{'s' if more > 1 else ''})"
    return f"{where} {text}"


def _shown(value):
    return None if value is None or isinstance(value, (dict, list)) else repr(value)


def _location(loc, data):
    """Render a pydantic location as ``[pv.utility-pv] key``, naming fleets by their name."""
    parts = []
    node = data
    is_key_error = bool(loc) and loc[-1] == "[key]"
    for item in loc:
        if item == "[key]":
            continue
        if isinstance(item, int) and isinstance(node, list):
            entry = node[item] if item < len(node) else None
            name = entry.get("name") if isinstance(entry, dict) else None
            parts[-1] = f"{parts[-1]}.{name}" if name else f"{parts[-1]}[{item}]"
            node = entry
        elif isinstance(node, dict) and item in node:
            parts.append(_key_text(item))
            node = node[item]
        elif isinstance(node, dict) or node is None:
            parts.append(_key_text(item))  # a missing key, or an extra one
            node = None
        # other items are pydantic's internal union/validator labels: skip them
    if not parts:
        return "(top level)"
    if is_key_error and len(parts) >= 2:
        return f"[{'.'.join(parts[:-2])}] {parts[-2]}.{parts[-1]}" if len(parts) > 2 else f"{parts[0]}.{parts[1]}"
    if isinstance(node, dict) and not is_key_error and (
            isinstance(loc[-1], int) or loc[-1] in _TABLE_MODELS):
        return f"[{'.'.join(parts)}]"  # the error is about a whole table
    if len(parts) == 1:
        return parts[0]
    return f"[{'.'.join(parts[:-1])}] {parts[-1]}"


def _key_text(key):
    # A quoted TOML key may hold a line break; the message must stay one line.
    text = str(key)
    return text if text.isprintable() else repr(text)


_TABLE_MODELS = {"site": Site, "weather": WeatherSource, "pv": PVFleet, "wind": WindFleet,
                 "hydro": HydroFleet, "biomass": BiomassFleet, "storage": StorageFleet,
                 "electrolyser": Electrolyser,
                 "grid": Grid, "targets": Targets, "output": Output, "degradation": Degradation,
                 "buildout": Buildout, "power_curve": PowerCurve,
                 "emission_factor": EmissionFactor, "capacity": CapacityTarget,
                 "calibration": Calibration, "rows": CalibrationRow}


def _allowed_keys(loc, data):
    model = Scenario
    for item in loc[:-1]:
        if isinstance(item, str) and item in _TABLE_MODELS:
            model = _TABLE_MODELS[item]
    return sorted(k for k in model.model_fields if k != "base_dir")


def with_hourly_years(scenario, years, where="--hourly-year"):
    """A copy of ``scenario`` writing hourly tables for ``years`` (validated)."""
    data = scenario.to_dict()
    data["output"] = {**data.get("output", {}), "hourly_years": list(years)}
    return scenario_from_dict(data, where=where, base_dir=scenario.base_dir)


def to_toml(scenario):
    """The resolved scenario as TOML text that reruns the same simulation.

    File paths (the weather source) are made absolute, so the text can live in a result
    folder away from the original scenario file.
    """
    import tomli_w

    data = scenario._resolved_dict()
    header = (f"# Resolved scenario written by energysim (schema {SCHEMA_VERSION}); "
              f"sha256 {scenario.digest()}\n")
    return header + tomli_w.dumps(_string_keys(data))


def _string_keys(data):
    # TOML table keys must be strings: the year tables have int keys in the model.
    if isinstance(data, dict):
        return {str(k): _string_keys(v) for k, v in data.items()}
    if isinstance(data, list):
        return [_string_keys(v) for v in data]
    return data
