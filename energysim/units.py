"""Unit constants and converters, including the Chinese power-sector units.

Owns every conversion factor used in energysim; imports nothing from energysim but
``errors``. Inside the package everything is SI / power-sector units (MW, MWh, tCO2,
tCO2/MWh); the Chinese units 万千瓦, 万千瓦时, 亿千瓦时, 万吨 and 万吨标准煤 appear only at
the edges (scenario parsing and reports).

Examples
--------
>>> wan_kw_to_mw(838.95)
8389.5
>>> round(mwh_to_yi_kwh(100_000.0), 6)
1.0
"""

MW_PER_WAN_KW = 10.0  # 1 万千瓦 = 10⁴ kW = 10 MW
KW_PER_MW = 1000.0
W_PER_MW = 1_000_000.0
W_PER_KW = 1000.0
MWH_PER_WAN_KWH = 10.0  # 1 万千瓦时 = 10⁴ kWh = 10 MWh
MWH_PER_YI_KWH = 100_000.0  # 1 亿千瓦时 = 10⁸ kWh = 10⁵ MWh
T_PER_WAN_T = 10_000.0  # 1 万吨 = 10⁴ t
T_PER_MT = 1_000_000.0  # 1 Mt = 10⁶ t
MW_PER_GW = 1000.0  # 1 GW = 10³ MW (plot axes)
MWH_PER_TWH = 1_000_000.0  # 1 TWh = 10⁶ MWh = 10 亿千瓦时 (plot axes)
MWH_PER_GWH = 1000.0  # 1 GWh = 10³ MWh; 1 亿千瓦时 = 100 GWh (printed tables)
T_PER_KT = 1000.0  # 1 kt = 10³ t; 1 万吨 = 10 kt (printed tables)
WH_PER_KWH = 1000.0
KWH_PER_MWH = 1000.0
G_PER_T = 1_000_000.0
PERCENT = 100.0  # 1 = 100 %
KG_PER_T = 1000.0
CELSIUS_TO_KELVIN = 273.15
HOURS_PER_YEAR = 8760.0  # non-leap year; leap years carry 8784 h


def wan_kw_to_mw(value):
    """Convert 万千瓦 to MW.

    Parameters
    ----------
    value : numeric
        Capacity. [万千瓦]

    Returns
    -------
    numeric
        Capacity. [MW]
    """
    return value * MW_PER_WAN_KW


def mw_to_wan_kw(value):
    """Convert MW to 万千瓦. [MW] -> [万千瓦]"""
    return value / MW_PER_WAN_KW


def wan_kwh_to_mwh(value):
    """Convert 万千瓦时 to MWh. [万千瓦时] -> [MWh]

    >>> wan_kwh_to_mwh(8302.36)  # 乳源大布, 2019
    83023.6
    """
    return value * MWH_PER_WAN_KWH


def mwh_to_wan_kwh(value):
    """Convert MWh to 万千瓦时. [MWh] -> [万千瓦时]

    >>> mwh_to_wan_kwh(83023.6)
    8302.36
    """
    return value / MWH_PER_WAN_KWH


def mwh_to_yi_kwh(value):
    """Convert MWh to 亿千瓦时. [MWh] -> [亿千瓦时]"""
    return value / MWH_PER_YI_KWH


def yi_kwh_to_mwh(value):
    """Convert 亿千瓦时 to MWh. [亿千瓦时] -> [MWh]"""
    return value * MWH_PER_YI_KWH


def t_to_wan_t(value):
    """Convert tonnes to 万吨. [t] -> [万吨]"""
    return value / T_PER_WAN_T


def wan_t_to_t(value):
    """Convert 万吨 to tonnes. [万吨] -> [t]"""
    return value * T_PER_WAN_T


def mt_to_t(value):
    """Convert megatonnes to tonnes. [Mt] -> [t]"""
    return value * T_PER_MT


def mw_to_gw(value):
    """Convert MW to GW (plot axes). [MW] -> [GW]"""
    return value / MW_PER_GW


def gw_to_mw(value):
    """Convert GW to MW (plot axes). [GW] -> [MW]"""
    return value * MW_PER_GW


def mwh_to_twh(value):
    """Convert MWh to TWh (plot axes). [MWh] -> [TWh]"""
    return value / MWH_PER_TWH


def mwh_to_gwh(value):
    """Convert MWh to GWh (printed tables). [MWh] -> [GWh]"""
    return value / MWH_PER_GWH


def t_to_kt(value):
    """Convert tonnes to kilotonnes (printed tables: ktCO2, ktce). [t] -> [kt]"""
    return value / T_PER_KT


def twh_to_mwh(value):
    """Convert TWh to MWh (plot axes). [TWh] -> [MWh]"""
    return value * MWH_PER_TWH


def t_to_mt(value):
    """Convert tonnes to megatonnes (plot axes). [t] -> [Mt]"""
    return value / T_PER_MT


def pct_to_fraction(value):
    """Convert a percentage to a fraction. [%] -> [1]"""
    return value / PERCENT


def fraction_to_pct(value):
    """Convert a fraction to a percentage. [1] -> [%]"""
    return value * PERCENT


def kw_to_w(value):
    """Convert kW to W. [kW] -> [W]"""
    return value * W_PER_KW


def w_to_mw(value):
    """Convert W to MW. [W] -> [MW]"""
    return value / W_PER_MW


def coal_t_from_mwh(energy_mwh, coal_rate_g_per_kwh):
    """Standard coal avoided by electricity, by the coal-substitution method.

    Parameters
    ----------
    energy_mwh : numeric
        Electricity. [MWh]
    coal_rate_g_per_kwh : numeric
        Coal consumption rate of thermal power supply (供电标准煤耗). [gce/kWh]

    Returns
    -------
    numeric
        Standard coal. [tce]

    Examples
    --------
    >>> coal_t_from_mwh(1000.0, 300.0)  # 1 GWh at 300 g/kWh
    300.0
    """
    return energy_mwh * KWH_PER_MWH * coal_rate_g_per_kwh / G_PER_T


def celsius_to_kelvin(value):
    """Convert °C to K. [°C] -> [K]"""
    return value + CELSIUS_TO_KELVIN


PA_PER_MBAR = 100.0  # 1 mbar = 1 hPa = 100 Pa (TMY3 stores pressure in mbar)


def mbar_to_pa(value):
    """Convert millibar (hectopascal) to pascal. [mbar] -> [Pa]"""
    return value * PA_PER_MBAR


def wh_to_kwh(value):
    """Convert watt-hours to kilowatt-hours. [Wh] -> [kWh]"""
    return value / WH_PER_KWH


def kwh_to_wh(value):
    """Convert kilowatt-hours to watt-hours. [kWh] -> [Wh]"""
    return value * WH_PER_KWH


def hydrogen_t_from_mwh(energy_mwh, kwh_per_kg):
    """Hydrogen made from electrolyser input energy. [tH2]

    Examples
    --------
    >>> float(hydrogen_t_from_mwh(55.0, 55.0))
    1.0
    """
    return energy_mwh * KWH_PER_MWH / kwh_per_kg / KG_PER_T


def co2_t_from_hydrogen_t(hydrogen_t, kgco2_per_kg):
    """CO2 of hydrogen, from its mass and the CO2 per unit mass. [tCO2] (t x kg/kg = t)

    Examples
    --------
    >>> float(co2_t_from_hydrogen_t(2.0, 19.0))
    38.0
    """
    return hydrogen_t * kgco2_per_kg
