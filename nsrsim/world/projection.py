"""Lambert azimuthal equal-area projection on the sphere, centred on the corridor.

Equal-area so that every grid cell covers the same ground (10 km x 10 km); the centre (52°N,
10°E) matches ETRS89-LAEA (EPSG:3035) in spirit. The spherical form with the authalic radius keeps
areas exact on the sphere and needs no projection library at run time.
"""

import numpy as np
from numpy.typing import ArrayLike, NDArray

EARTH_RADIUS_KM = 6371.0072  # authalic radius of the GRS80 ellipsoid
LAT0_DEG = 52.0
LON0_DEG = 10.0

_PHI0 = np.radians(LAT0_DEG)
_LAM0 = np.radians(LON0_DEG)


def to_xy(lon: ArrayLike, lat: ArrayLike) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Project degrees of longitude and latitude to x, y in km."""
    lam = np.radians(np.asarray(lon, dtype=float)) - _LAM0
    phi = np.radians(np.asarray(lat, dtype=float))
    k = np.sqrt(
        2.0 / (1.0 + np.sin(_PHI0) * np.sin(phi) + np.cos(_PHI0) * np.cos(phi) * np.cos(lam))
    )
    x = EARTH_RADIUS_KM * k * np.cos(phi) * np.sin(lam)
    y = (
        EARTH_RADIUS_KM
        * k
        * (np.cos(_PHI0) * np.sin(phi) - np.sin(_PHI0) * np.cos(phi) * np.cos(lam))
    )
    return x, y


def to_lonlat(x: ArrayLike, y: ArrayLike) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Invert :func:`to_xy`: km back to degrees of longitude and latitude."""
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    rho = np.hypot(x, y)
    c = 2.0 * np.arcsin(np.clip(rho / (2.0 * EARTH_RADIUS_KM), -1.0, 1.0))
    safe_rho = np.where(rho == 0.0, 1.0, rho)
    phi = np.arcsin(
        np.cos(c) * np.sin(_PHI0)
        + np.where(rho == 0.0, 0.0, y * np.sin(c) * np.cos(_PHI0) / safe_rho)
    )
    lam = _LAM0 + np.arctan2(
        x * np.sin(c), rho * np.cos(_PHI0) * np.cos(c) - y * np.sin(_PHI0) * np.sin(c)
    )
    return np.degrees(lam), np.degrees(phi)
