"""NYC 311 service requests: an offline stand-in for the pandas-cookbook extract, messy on purpose.

:func:`make_311` writes ``out/csv/311-service-requests.csv`` (and optionally Parquet) in the
NYC Open Data export style; :func:`frame_311` returns the same rows in memory. Columns, in
order (all text exactly as written to the CSV; an empty field is a missing value)::

    Unique Key      int      unique; grows with Created Date (rows are newest first)
    Created Date    text     "10/31/2013 02:08:41 AM" (%m/%d/%Y %I:%M:%S %p), daily cycle
    Closed Date     text     same format; missing for open requests (≈ 12 %), sometimes BEFORE
                             the creation (≈ 0.4 %), sometimes date-only "... 12:00:00 AM"
    Agency          text     NYPD, HPD, DOT, DSNY, DEP, DOHMH, DOB, DOF, DPR, TLC, DCA, ...
    Agency Name     text     the agency's full name
    Complaint Type  text     ~100 real type names, Zipf-distributed (HEATING is the most common)
    Descriptor      text     a detail of the complaint type
    Location Type   text     e.g. RESIDENTIAL BUILDING, Street/Sidewalk (missing for some types)
    Incident Zip    text     messy, see ZIP_MESS
    City            text     NEW YORK, BROOKLYN, BRONX, STATEN ISLAND, or a Queens neighbourhood
    Status          text     Closed when Closed Date is set, else Open/Assigned/Pending/Started
    Borough         text     MANHATTAN, BROOKLYN, QUEENS, BRONX, STATEN ISLAND, Unspecified (≈ 2 %)
    Latitude        float    missing with the location (≈ 10 %)
    Longitude       float

:data:`ZIP_MESS` gives the per-row rates of each kind of dirty ``Incident Zip`` (clean 5-digit
borough codes are the rest): empty, ZIP+4 (``10027-1234``), float text (``10027.0``), ``N/A``,
``NA``, ``NO CLUE``, ``0``, ``00000`` and valid-looking codes outside New York (``07302``,
``90210``, ...). Note that pandas turns ``N/A``/``NA`` into NaN by default but keeps the others,
which is the point of the cleaning exercise.

Default size ``pick(small=100_000, full=1_000_000)`` rows (≈ 15 MB / 150 MB of CSV) spread over
``days`` (31) days ending 2013-11-01.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from bdp.datasets._write import (
    Dataset,
    DatasetError,
    check_rate,
    check_rows,
    check_seed,
    concat_partitions,
    format_datetimes,
    resolve_rows,
    write_dataset,
)

__all__ = [
    "make_311",
    "frame_311",
    "NYC311_COLUMNS",
    "ZIP_MESS",
    "RATES_311",
    "COMPLAINT_TYPES",
    "NYC311_FILE",
]

NYC311_COLUMNS: tuple[str, ...] = (
    "Unique Key", "Created Date", "Closed Date", "Agency", "Agency Name", "Complaint Type",
    "Descriptor", "Location Type", "Incident Zip", "City", "Status", "Borough", "Latitude",
    "Longitude",
)  # fmt: skip

NYC311_FILE = "311-service-requests"

#: per-row rate of each kind of dirty ``Incident Zip`` (the rest are clean 5-digit codes)
ZIP_MESS: dict[str, float] = {
    "missing": 0.08,
    "zip+4": 0.01,
    "float": 0.02,
    "N/A": 0.004,
    "NA": 0.003,
    "NO CLUE": 0.0005,
    "0": 0.001,
    "00000": 0.002,
    "out of area": 0.005,
}

#: other per-row rates
RATES_311: dict[str, float] = {
    "borough_unspecified": 0.02,
    "closed_missing": 0.12,
    "closed_before_created": 0.004,
    "location_missing": 0.10,
}

_OUT_OF_AREA = ("07302", "07030", "11747", "11550", "12345", "77056", "92123", "90210", "10803", "11003")

_AGENCIES: dict[str, str] = {
    "NYPD": "New York City Police Department",
    "HPD": "Department of Housing Preservation and Development",
    "DOT": "Department of Transportation",
    "DSNY": "Department of Sanitation",
    "DEP": "Department of Environmental Protection",
    "DOHMH": "Department of Health and Mental Hygiene",
    "DOB": "Department of Buildings",
    "DOF": "Department of Finance",
    "DPR": "Department of Parks and Recreation",
    "TLC": "Taxi and Limousine Commission",
    "DCA": "Department of Consumer Affairs",
    "HRA": "Human Resources Administration",
    "DFTA": "Department for the Aging",
    "3-1-1": "311 Customer Service Center",
}

_RES = "RESIDENTIAL BUILDING"
_ST = "Street/Sidewalk"
_NOISE = "Club/Bar/Restaurant|Store/Commercial|Street/Sidewalk|Residential Building/House|Park/Playground"
_RODENT = "3+ Family Apt. Building|1-2 Family Dwelling|Commercial Building|Vacant Lot"

# (complaint type, agency, location types "a|b" or "" for missing, descriptors "a|b"), by rank
COMPLAINT_TYPES: tuple[tuple[str, str, str, str], ...] = (
    ("HEATING", "HPD", _RES, "HEAT|HOT WATER"),
    ("GENERAL CONSTRUCTION", "HPD", _RES, "GENERAL|PLASTER|MOLD|CABINET"),
    ("Street Light Condition", "DOT", _ST, "Street Light Out|Street Light Cycling|Lamppost Damaged|Street Light Dayburning"),
    ("DOF Literature Request", "DOF", "", "Property Tax Exemption Application|Payment Plan Request|Rent Stabilization Forms|Income Tax Forms"),
    ("PLUMBING", "HPD", _RES, "WATER-SUPPLY|TOILET|BATHTUB/SHOWER|BASIN/SINK|LEAKY FAUCET"),
    ("PAINT - PLASTER", "HPD", _RES, "WALLS|CEILING"),
    ("Blocked Driveway", "NYPD", _ST, "No Access|Partial Access"),
    ("NONCONST", "HPD", _RES, "PESTS|VENTILATION SYSTEM|LEAD|WINDOW GUARDS"),
    ("Street Condition", "DOT", _ST, "Pothole|Cave-in|Defective Hardware|Failed Street Repair"),
    ("Illegal Parking", "NYPD", _ST, "Blocked Hydrant|Double Parked Blocking Traffic|Commercial Overnight Parking|Posted Parking Sign Violation"),
    ("Noise", "DEP", "", "Noise: Construction Before/After Hours (NM1)|Noise: Air Condition/Ventilation Equipment (NV1)|Noise: Alarms (NR3)|Noise: Jack Hammering (NC2)"),
    ("Noise - Residential", "NYPD", "Residential Building/House", "Loud Music/Party|Banging/Pounding|Loud Talking|Loud Television"),
    ("Traffic Signal Condition", "DOT", _ST, "Controller|Cycle Time|Ped Flasher|LED Lense"),
    ("Dirty Conditions", "DSNY", _ST, "E3 Dirty Sidewalk|E11 Litter Surveillance|E13 Throw-Out"),
    ("Water System", "DEP", "", "Hydrant Running (WC3)|Leak (Use Comments) (WA2)|No Water (WNW)|Hydrant Leaking (WC1)"),
    ("Noise - Commercial", "NYPD", "Club/Bar/Restaurant|Store/Commercial", "Loud Music/Party|Loud Talking|Banging/Pounding|Car/Truck Music"),
    ("ELECTRIC", "HPD", _RES, "WIRING|LIGHTING|POWER OUTLETS"),
    ("Noise - Street/Sidewalk", "NYPD", _ST, "Loud Music/Party|Loud Talking"),
    ("Broken Muni Meter", "DOT", _ST, "No Receipt|Coin or Card Not Accepted|Out of Order"),
    ("Sanitation Condition", "DSNY", _ST, "15 Street Cond/Dump-Out/Drop-Off|35 Street Condition"),
    ("Rodent", "DOHMH", _RODENT, "Rat Sighting|Condition Attracting Rodents|Mouse Sighting|Signs of Rodents"),
    ("Sewer", "DEP", "", "Catch Basin Clogged/Flooding (Use Comments) (SC)|Sewer Backup (Use Comments) (SA)|Street Flooding (SJ)"),
    ("Taxi Complaint", "TLC", _ST, "Driver Complaint|Vehicle Complaint"),
    ("Consumer Complaint", "DCA", "", "Overcharge|Non-Delivery Goods|False Advertising|Damaged/Defective Goods"),
    ("Damaged or Dead Tree", "DPR", _ST, "Branch Cracked and Will Fall|Hitting Building|Tree Alive - in Poor Condition"),
    ("DOOR/WINDOW", "HPD", _RES, "DOOR|WINDOW FRAME|WINDOW GLASS"),
    ("Noise - Vehicle", "NYPD", _ST, "Car/Truck Music|Car/Truck Horn|Engine Idling"),
    ("Missed Collection (All Materials)", "DSNY", _ST, "1 Missed Collection|2R Bulk-Missed Recy Collection"),
    ("Derelict Vehicle", "NYPD", _ST, "With License Plate|No License Plate"),
    ("Building/Use", "DOB", _RES, "Illegal Conversion Of Residential Building/Space|Illegal Conversion Of Commercial Bldg/Space"),
    ("FLOORING/STAIRS", "HPD", _RES, "FLOOR|STAIRS"),
    ("Benefit Card Replacement", "HRA", "", "Medicaid|Food Stamp"),
    ("APPLIANCE", "HPD", _RES, "REFRIGERATOR|STOVE|ELECTRIC/GAS RANGE"),
    ("Derelict Vehicles", "DSNY", _ST, "Derelict Vehicles"),
    ("General Construction/Plumbing", "DOB", _RES, "Building Permit - None|Plumbing Work - Illegal/No Permit"),
    ("Elevator", "DOB", _RES, "Elevator - Defective/Not Working|Elevator - Danger Condition/Shaft Door Open"),
    ("Air Quality", "DEP", "", "Air: Smoke Chimney or vent (AS1)|Air: Odor Sewage Septic (AR2)|Air: Dust Construction/Demolition (AE4)"),
    ("Graffiti", "DSNY", _ST, "Graffiti"),
    ("Food Establishment", "DOHMH", "Restaurant/Bar/Deli/Bakery", "Food Contaminated|Food Worker Illness|Rodents/Insects/Garbage"),
    ("Animal Abuse", "NYPD", "Residential Building/House|Street/Sidewalk", "Neglected|Tortured|Chained"),
    ("Street Sign - Damaged", "DOT", _ST, "Stop|One Way|Street Name - Attached to Pole"),
    ("Sidewalk Condition", "DOT", _ST, "Sidewalk Violation|Defacement"),
    ("Overgrown Tree/Branches", "DPR", _ST, "Hitting Building|Blocking Street|Hitting Power/Phone Lines"),
    ("Maintenance or Facility", "DPR", "Park/Playground", "Structure - Indoors|Structure - Outdoors"),
    ("Root/Sewer/Sidewalk Condition", "DPR", _ST, "Trees and Sidewalks Program"),
    ("Street Sign - Missing", "DOT", _ST, "Stop|One Way|Street Name - Attached to Pole"),
    ("Water Quality", "DEP", "", "Cloudy Or Milky Water (QB1)|Other Water Problem (Use Comments) (QZZ)"),
    ("Boilers", "DOB", _RES, "Boiler - Defective/Inoperative|Boiler - Illegal"),
    ("Vending", "NYPD", _ST, "Unlicensed|In Prohibited Area"),
    ("Traffic", "NYPD", _ST, "Truck Route Violation|Congestion/Gridlock"),
    ("Drinking", "NYPD", "Street/Sidewalk|Club/Bar/Restaurant", "In Public|Underage - Licensed Est"),
    ("Smoking", "DOHMH", "Club/Bar/Restaurant|Residential Building", "Smoking Violation|Allowed in Smoke Free Area"),
    ("Hazardous Materials", "DEP", "", "Oil Spill On Street (IA2)|Chemical Spill (IAC)"),
    ("Noise - Park", "NYPD", "Park/Playground", "Loud Music/Party"),
    ("Noise - House of Worship", "NYPD", "House of Worship", "Loud Music/Party|Loud Talking"),
    ("Indoor Air Quality", "DOHMH", _RES, "Mold|Chemical Vapors/Gases/Odors"),
    ("Unsanitary Animal Pvt Property", "DOHMH", _RES, "Dog|Cat|Other"),
    ("Standing Water", "DOHMH", "", "Puddle on Roof|Other - Explain Below"),
    ("Lead", "DOHMH", _RES, "Lead Kit Request (Residential) (L10)"),
    ("Collection Truck Noise", "DSNY", _ST, "Engine Idling|Truck Noise"),
    ("Urinating in Public", "NYPD", _ST, "Urinating in Public"),
    ("Panhandling", "NYPD", _ST, "Panhandling"),
    ("Bike/Roller/Skate Chronic", "NYPD", _ST, "Bikes on Sidewalk"),
    ("Illegal Fireworks", "NYPD", _ST, "Fireworks"),
    ("Illegal Tree Damage", "DPR", _ST, "Tree Destroyed"),
    ("Violation of Park Rules", "DPR", "Park/Playground", "Dog Off Leash|Other"),
    ("Curb Condition", "DOT", _ST, "Broken Curb|Defacement"),
    ("Bridge Condition", "DOT", "Bridge", "Graffiti|Potholes - Bridge"),
    ("Highway Condition", "DOT", "Highway", "Pothole - Highway|Graffiti - Highway"),
    ("Bus Stop Shelter Placement", "DOT", _ST, "Shelter Placement"),
    ("Ferry Complaint", "DOT", "Ferry", "Schedule Change|Vessel Condition"),
    ("For Hire Vehicle Complaint", "TLC", _ST, "Driver Complaint|Car Service Company Complaint"),
    ("Lost Property", "TLC", "", "Bag/Wallet|Cell Phone"),
    ("Asbestos", "DEP", _RES, "Asbestos Complaint (B1)"),
    ("Vacant Lot", "DSNY", "Vacant Lot", "Dirty Vacant Lot"),
    ("Snow", "DSNY", _ST, "Snow Removal|Icy Sidewalk"),
    ("Litter Basket / Request", "DSNY", _ST, "Request Litter Basket|Litter Basket Full"),
    ("Recycling Enforcement", "DSNY", _ST, "Commercial"),
    ("Electrical", "DOB", _RES, "Electrical Wiring Defective/Exposed|Electrical Work - Illegal/No Permit"),
    ("Scaffold Safety", "DOB", _ST, "Scaffold - Defective"),
    ("Cranes and Derricks", "DOB", _ST, "Crane - Unsafe"),
    ("SCRIE", "DOF", "", "Renewal|Inquiry"),
    ("DOF Parking - Payment Issue", "DOF", "", "Payment Issue"),
    ("DOF Property - Reduction Issue", "DOF", "", "Assessment Issue"),
    ("Home Delivered Meal Complaint", "DFTA", "", "Late Delivery|Food Quality"),
    ("Senior Center Complaint", "DFTA", "Senior Center", "Programs"),
    ("Public Toilet", "DPR", "Park/Playground", "Dirty/Graffiti"),
    ("Beach/Pool/Sauna Complaint", "DOHMH", "Pool", "Pool Water Quality"),
    ("Tattooing", "DOHMH", "Store/Commercial", "Unlicensed"),
    ("Special Projects Inspection Team (SPIT)", "DOB", _RES, "Illegal Hotel"),
    ("Poison Ivy", "DPR", "Park/Playground", "Poison Ivy"),
    ("Squeegee", "NYPD", _ST, "Squeegee"),
    ("Agency Issues", "3-1-1", "", "Wrong Agency"),
    ("Misc. Comments", "3-1-1", "", "Comments"),
    ("Bottled Water", "DOHMH", "", "Bottled Water"),
    ("Radioactive Material", "DOHMH", "", "Radioactive Material"),
)

_ZIPF_S = 0.85

# borough: (share, centre lat, centre lon, sd lat, sd lon, zip codes)
_BOROUGHS: dict[str, tuple[float, float, float, float, float, tuple[int, ...]]] = {
    "BROOKLYN": (0.31, 40.650, -73.950, 0.035, 0.040, tuple(range(11201, 11240))),
    "QUEENS": (0.24, 40.720, -73.820, 0.045, 0.070, tuple(range(11354, 11376)) + tuple(range(11411, 11437)) + (11101, 11102, 11103, 11104, 11105, 11106, 11691, 11692, 11693, 11694)),
    "MANHATTAN": (0.23, 40.780, -73.970, 0.035, 0.018, tuple(range(10001, 10041)) + (10044, 10065, 10069, 10075, 10128, 10280, 10282)),
    "BRONX": (0.16, 40.845, -73.880, 0.025, 0.035, tuple(range(10451, 10476))),
    "STATEN ISLAND": (0.04, 40.585, -74.150, 0.030, 0.040, tuple(range(10301, 10315))),
}

_QUEENS_CITY = {110: "LONG ISLAND CITY", 111: "ASTORIA", 113: "FLUSHING", 114: "JAMAICA", 116: "FAR ROCKAWAY"}
_CITY = {"BROOKLYN": "BROOKLYN", "MANHATTAN": "NEW YORK", "BRONX": "BRONX", "STATEN ISLAND": "STATEN ISLAND"}

# median hours to close, by agency (lognormal, sigma 1)
_CLOSE_HOURS = {"NYPD": 2.0, "HPD": 72.0, "DOT": 48.0, "DSNY": 30.0, "DEP": 24.0, "DOF": 120.0}
_OPEN_STATUS = ("Open", "Assigned", "Pending", "Started")

_END = np.datetime64("2013-11-01T00:00:00", "s")


def _type_table() -> dict[str, np.ndarray]:
    n = len(COMPLAINT_TYPES)
    w = 1.0 / np.arange(1, n + 1) ** _ZIPF_S
    return {"p": w / w.sum()}


def _partition_maker(rows: int, days: int, rates: dict[str, float], zip_mess: dict[str, float]):
    import pyarrow as pa
    import pyarrow.compute as pc

    span = days * 86_400
    p_types = _type_table()["p"]
    boroughs = list(_BOROUGHS)
    b_share = np.array([_BOROUGHS[b][0] for b in boroughs])
    b_share = b_share / b_share.sum()
    # hour-of-span density: few requests at night, a morning rise, busier weekdays
    hour_profile = np.array([0.35, 0.25, 0.2, 0.15, 0.15, 0.2, 0.4, 0.8, 1.2, 1.5, 1.6, 1.6,
                             1.5, 1.5, 1.5, 1.4, 1.3, 1.2, 1.1, 1.0, 1.0, 0.9, 0.7, 0.5])  # fmt: skip
    start = _END - np.timedelta64(span, "s")
    hours = np.arange(days * 24)
    dow = ((start.astype("datetime64[D]").astype("int64") + hours // 24) + 3) % 7  # 0 = Monday
    weight = hour_profile[hours % 24] * np.where(dow >= 5, 0.75, 1.0)
    cdf = np.concatenate([[0.0], np.cumsum(weight)])
    cdf /= cdf[-1]
    knots = np.arange(days * 24 + 1) * 3600.0
    types = COMPLAINT_TYPES
    agencies = np.array([t[1] for t in types], dtype=object)
    mess_kinds = list(zip_mess)
    mess_p = np.array([zip_mess[k] for k in mess_kinds])
    if mess_p.sum() > 1:
        raise DatasetError("the zip_mess rates add up to more than 1")

    def make_partition(index: int, first: int, length: int, rng: np.random.Generator) -> Any:
        idx = np.arange(first, first + length)
        # newest first: position 0 is the end of the window; monotone in the global row index,
        # so the file is sorted whatever the partitioning
        q = 1.0 - (idx + rng.random(length)) / rows
        offset = np.interp(q, cdf, knots)
        created = start.astype("int64") + np.floor(offset).astype("int64")
        created = np.minimum(created, _END.astype("int64") - 1)
        key = 26_000_000 + (rows - 1 - idx)

        t = rng.choice(len(types), length, p=p_types)
        agency = agencies[t]
        desc = np.empty(length, dtype=object)
        loc = np.empty(length, dtype=object)
        for ti in np.unique(t):
            sel = np.flatnonzero(t == ti)
            ds = types[ti][3].split("|")
            desc[sel] = np.array(ds, dtype=object)[rng.integers(0, len(ds), sel.size)]
            if types[ti][2]:
                ls = types[ti][2].split("|")
                loc[sel] = np.array(ls, dtype=object)[rng.integers(0, len(ls), sel.size)]

        # closing
        med = np.array([_CLOSE_HOURS.get(a, 48.0) for a in agency]) * 3600.0
        duration = np.rint(med * rng.lognormal(0.0, 1.0, length)).astype("int64")
        closed = created + duration
        before = rng.random(length) < rates["closed_before_created"]
        closed[before] = created[before] - rng.integers(60, 3 * 86_400, int(before.sum()))
        date_only = (agency == "HPD") & (rng.random(length) < 0.3) & ~before
        closed[date_only] = (closed[date_only] // 86_400) * 86_400
        # a date-only close on the creation day would precede the creation: push to the next day
        fix = date_only & (closed < created)
        closed[fix] += 86_400
        closed_missing = rng.random(length) < rates["closed_missing"]
        status = np.where(closed_missing, np.array(_OPEN_STATUS, dtype=object)[rng.integers(0, 4, length)], "Closed")

        # place
        unspecified = rng.random(length) < rates["borough_unspecified"]
        b = rng.choice(len(boroughs), length, p=b_share)
        borough = np.array(boroughs, dtype=object)[b]
        lat = np.empty(length)
        lon = np.empty(length)
        zips = np.empty(length, dtype="int64")
        city = np.empty(length, dtype=object)
        for bi, name in enumerate(boroughs):
            sel = np.flatnonzero(b == bi)
            _, clat, clon, slat, slon, zcodes = _BOROUGHS[name]
            lat[sel] = clat + rng.normal(0, slat, sel.size)
            lon[sel] = clon + rng.normal(0, slon, sel.size)
            z = np.array(zcodes)[rng.integers(0, len(zcodes), sel.size)]
            zips[sel] = z
            if name == "QUEENS":
                city[sel] = [_QUEENS_CITY.get(int(v) // 100, "QUEENS VILLAGE") for v in z]
            else:
                city[sel] = _CITY[name]
        borough[unspecified] = "Unspecified"
        loc_missing = (rng.random(length) < rates["location_missing"]) | unspecified

        # the messy zip column
        kind = rng.choice(len(mess_kinds) + 1, length, p=np.append(mess_p, 1.0 - mess_p.sum()))
        zip_text = np.array([f"{z:05d}" for z in zips], dtype=object)
        zip_null = np.zeros(length, dtype=bool)
        for ki, k in enumerate(mess_kinds):
            sel = np.flatnonzero(kind == ki)
            if not sel.size:
                continue
            if k == "missing":
                zip_null[sel] = True
            elif k == "zip+4":
                plus = rng.integers(1, 10_000, sel.size)
                zip_text[sel] = [f"{zips[i]:05d}-{p:04d}" for i, p in zip(sel, plus)]
            elif k == "float":
                zip_text[sel] = [f"{zips[i]:05d}.0" for i in sel]
            elif k == "out of area":
                zip_text[sel] = np.array(_OUT_OF_AREA, dtype=object)[rng.integers(0, len(_OUT_OF_AREA), sel.size)]
            else:
                zip_text[sel] = k
        city_null = zip_null | unspecified & (rng.random(length) < 0.5)

        fmt = "%m/%d/%Y %I:%M:%S %p"
        return pa.table(
            {
                "Unique Key": pa.array(key, type=pa.int64()),
                "Created Date": format_datetimes(created, fmt),
                "Closed Date": pc.if_else(
                    pa.array(closed_missing), pa.scalar(None, pa.string()), format_datetimes(closed, fmt)
                ),
                "Agency": pa.array(agency, type=pa.string()),
                "Agency Name": pa.array([_AGENCIES[a] for a in agency], type=pa.string()),
                "Complaint Type": pa.array(np.array([ct[0] for ct in types], dtype=object)[t], type=pa.string()),
                "Descriptor": pa.array(desc, type=pa.string()),
                "Location Type": pa.array(loc, type=pa.string()),
                "Incident Zip": pa.array(zip_text, type=pa.string(), mask=zip_null),
                "City": pa.array(city, type=pa.string(), mask=city_null),
                "Status": pa.array(status, type=pa.string()),
                "Borough": pa.array(borough, type=pa.string()),
                "Latitude": pa.array(np.round(lat, 6), type=pa.float64(), mask=loc_missing),
                "Longitude": pa.array(np.round(lon, 6), type=pa.float64(), mask=loc_missing),
            }
        )

    return make_partition


def _check_days(days: Any) -> int:
    if isinstance(days, bool) or not isinstance(days, (int, np.integer)) or not 1 <= days <= 3660:
        raise DatasetError(f"days must be an integer between 1 and 3660, got {days!r}")
    return int(days)


def _check_mess(zip_mess: Any) -> dict[str, float]:
    if zip_mess is None:
        return dict(ZIP_MESS)
    if not isinstance(zip_mess, dict):
        raise DatasetError(f"zip_mess must be a dict like ZIP_MESS, got {zip_mess!r}")
    unknown = set(zip_mess) - set(ZIP_MESS)
    if unknown:
        raise DatasetError(f"unknown zip_mess kinds {sorted(unknown)}; known: {', '.join(ZIP_MESS)}")
    merged = dict(ZIP_MESS)
    merged.update({k: check_rate(f"zip_mess[{k!r}]", v) for k, v in zip_mess.items()})
    if sum(merged.values()) > 1:
        raise DatasetError("the zip_mess rates add up to more than 1")
    return merged


def make_311(
    out: Any = None,
    rows: int | None = None,
    seed: int = 0,
    *,
    days: int = 31,
    zip_mess: dict[str, float] | None = None,
    formats: Any = ("csv",),
    overwrite: bool = False,
    progress: bool | None = None,
) -> Dataset:
    """Write the NYC 311 stand-in to ``out/csv/311-service-requests.csv`` (see module docstring).

    Parameters
    ----------
    out : directory, optional
        ``None`` writes to a fresh temporary directory.
    rows : int, optional
        Default ``pick(small=100_000, full=1_000_000)``.
    seed : int ≥ 0
    days : int
        Length of the time window (ending 2013-11-01 00:00).
    zip_mess : dict, optional
        Override some :data:`ZIP_MESS` rates, e.g. ``{"missing": 0.0}``.
    formats : "csv", "parquet" or both
        Parquet keeps the same text columns (handy for fast re-reading).

    Returns
    -------
    Dataset
        ``ds.files["csv"][0]`` is the CSV file.
    """
    rows = resolve_rows(rows, small=100_000, full=1_000_000)
    seed = check_seed(seed)
    days = _check_days(days)
    mess = _check_mess(zip_mess)
    return write_dataset(
        name="nyc311",
        out=out,
        rows=rows,
        seed=seed,
        formats=formats,
        make_partition=_partition_maker(rows, days, dict(RATES_311), mess),
        overwrite=overwrite,
        progress=progress,
        single_file=NYC311_FILE,
        params={"days": days, "zip_mess": mess},
    )


def frame_311(rows: int = 100_000, seed: int = 0, *, days: int = 31, zip_mess: dict[str, float] | None = None) -> Any:
    """The rows :func:`make_311` writes, as a pandas DataFrame, without touching the disk.

    Every column holds the CSV text (``Unique Key`` int64, ``Latitude``/``Longitude`` float64,
    the rest strings with missing values as NaN) — parse the dates yourself, as with the file.
    """
    rows = check_rows(rows)
    seed = check_seed(seed)
    days = _check_days(days)
    mess = _check_mess(zip_mess)
    table = concat_partitions(rows, seed, _partition_maker(rows, days, dict(RATES_311), mess))
    return table.to_pandas()


def nyc311_schema() -> Any:
    """The pandera schema of ``pd.read_csv(ds.files["csv"][0])`` (pandas' default NA handling).

    It accepts the documented mess (it is a stand-in for raw data), and checks what must hold:
    unique keys, parseable timestamps, known agencies/boroughs/types, coordinates in New York.
    """
    import warnings

    # pandera imports PySpark's pandas API, which warns about pandas 3 (see bdp.datasets.schemas)
    warnings.filterwarnings("ignore", message="PySpark does not yet fully support pandas", category=FutureWarning)
    import pandera.pandas as pa

    stamp = r"^\d{2}/\d{2}/\d{4} \d{2}:\d{2}:\d{2} [AP]M$"
    return pa.DataFrameSchema(
        {
            "Unique Key": pa.Column("int64", unique=True),
            "Created Date": pa.Column("str", pa.Check.str_matches(stamp)),
            "Closed Date": pa.Column("str", pa.Check.str_matches(stamp), nullable=True),
            "Agency": pa.Column("str", pa.Check.isin(list(_AGENCIES))),
            "Agency Name": pa.Column("str", pa.Check.isin(list(_AGENCIES.values()))),
            "Complaint Type": pa.Column("str", pa.Check.isin([t[0] for t in COMPLAINT_TYPES])),
            "Descriptor": pa.Column("str"),
            "Location Type": pa.Column("str", nullable=True),
            "Incident Zip": pa.Column("str", nullable=True),
            "City": pa.Column("str", nullable=True),
            "Status": pa.Column("str", pa.Check.isin(["Closed", *_OPEN_STATUS])),
            "Borough": pa.Column("str", pa.Check.isin([*_BOROUGHS, "Unspecified"])),
            "Latitude": pa.Column("float64", pa.Check.in_range(40.3, 41.1), nullable=True),
            "Longitude": pa.Column("float64", pa.Check.in_range(-74.5, -73.4), nullable=True),
        },
        strict=True,
        ordered=True,
        name="nyc311",
    )
