//! Points and boxes in geographic coordinates (WGS84, degrees).

use serde::{Deserialize, Serialize};

/// Mean Earth radius in km (IUGG R1), used for great-circle distances.
pub const EARTH_RADIUS_KM: f64 = 6371.0088;

/// A point in geographic coordinates: longitude then latitude, in degrees.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct LonLat {
    pub lon: f64,
    pub lat: f64,
}

impl LonLat {
    pub const fn new(lon: f64, lat: f64) -> Self {
        Self { lon, lat }
    }

    /// Great-circle distance to `other` in km.
    pub fn distance_km(&self, other: &LonLat) -> f64 {
        haversine_km(self.lon, self.lat, other.lon, other.lat)
    }

    pub fn is_valid(&self) -> bool {
        self.lon.is_finite()
            && self.lat.is_finite()
            && (-180.0..=180.0).contains(&self.lon)
            && (-90.0..=90.0).contains(&self.lat)
    }
}

/// Area of a (multi)polygon in geographic coordinates, km² (spherical, Chamberlain & Duquette
/// 2007 as the `geo` crate computes it).
pub fn area_km2(shape: &geo::MultiPolygon<f64>) -> f64 {
    geo::ChamberlainDuquetteArea::chamberlain_duquette_unsigned_area(shape) / 1e6
}

/// Haversine great-circle distance in km between two lon/lat points in degrees.
pub fn haversine_km(lon1: f64, lat1: f64, lon2: f64, lat2: f64) -> f64 {
    let (p1, p2) = (lat1.to_radians(), lat2.to_radians());
    let dp = p2 - p1;
    let dl = (lon2 - lon1).to_radians();
    let a = (dp / 2.0).sin().powi(2) + p1.cos() * p2.cos() * (dl / 2.0).sin().powi(2);
    2.0 * EARTH_RADIUS_KM * a.sqrt().min(1.0).asin()
}

/// An axis-aligned box in degrees: west, south, east, north.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct BBox {
    pub west: f64,
    pub south: f64,
    pub east: f64,
    pub north: f64,
}

impl BBox {
    pub const fn new(west: f64, south: f64, east: f64, north: f64) -> Self {
        Self {
            west,
            south,
            east,
            north,
        }
    }

    pub fn contains(&self, p: &LonLat) -> bool {
        p.lon >= self.west && p.lon <= self.east && p.lat >= self.south && p.lat <= self.north
    }

    pub fn intersects(&self, o: &BBox) -> bool {
        self.west <= o.east && o.west <= self.east && self.south <= o.north && o.south <= self.north
    }

    pub fn intersection(&self, o: &BBox) -> Option<BBox> {
        let b = BBox::new(
            self.west.max(o.west),
            self.south.max(o.south),
            self.east.min(o.east),
            self.north.min(o.north),
        );
        (b.west < b.east && b.south < b.north).then_some(b)
    }

    pub fn width(&self) -> f64 {
        self.east - self.west
    }

    pub fn height(&self) -> f64 {
        self.north - self.south
    }

    /// A box of `radius_km` around a point (latitude-aware, clamped to valid latitudes).
    pub fn around(center: LonLat, radius_km: f64) -> BBox {
        let dlat = radius_km / 111.195;
        let coslat = center.lat.to_radians().cos().max(0.01);
        let dlon = (radius_km / (111.195 * coslat)).min(180.0);
        BBox::new(
            center.lon - dlon,
            (center.lat - dlat).max(-90.0),
            center.lon + dlon,
            (center.lat + dlat).min(90.0),
        )
    }

    pub fn as_array(&self) -> [f64; 4] {
        [self.west, self.south, self.east, self.north]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn haversine_one_degree_of_latitude() {
        let d = haversine_km(0.0, 0.0, 0.0, 1.0);
        assert!((d - 111.195).abs() < 0.01, "{d}");
    }

    #[test]
    fn bbox_intersection() {
        let a = BBox::new(0.0, 0.0, 10.0, 10.0);
        let b = BBox::new(5.0, 5.0, 15.0, 15.0);
        assert_eq!(a.intersection(&b), Some(BBox::new(5.0, 5.0, 10.0, 10.0)));
        assert!(a.intersection(&BBox::new(11.0, 0.0, 12.0, 1.0)).is_none());
    }
}
