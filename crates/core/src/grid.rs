//! North-up, geo-referenced regular grids.
//!
//! A [`GridSpec`] places `ncols x nrows` square-or-rectangular cells with the top-left corner at
//! (`x_min`, `y_max`); row 0 is the northernmost row. Coordinates are in the units of the
//! grid's [`Crs`]: degrees for EPSG:4326, metres for projected grids (for example the
//! LISFLOOD-FP inputs, whose CRS is usually not recorded).

use crate::geo_types::{BBox, LonLat};
use serde::{Deserialize, Serialize};

/// Coordinate reference system of a grid.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Crs {
    /// WGS84 geographic, degrees (EPSG:4326).
    Epsg4326,
    /// A projected CRS in metres with the given EPSG code.
    Projected(u16),
    /// Cartesian metres with no recorded CRS (ESRI ASCII grids usually carry none).
    UnknownMetres,
}

impl Crs {
    pub fn is_geographic(&self) -> bool {
        matches!(self, Crs::Epsg4326)
    }

    pub fn describe(&self) -> String {
        match self {
            Crs::Epsg4326 => "EPSG:4326".into(),
            Crs::Projected(code) => format!("EPSG:{code}"),
            Crs::UnknownMetres => "unknown (metres)".into(),
        }
    }
}

/// Most cells a grid read from a file may have (ESRI ASCII header `ncols` x `nrows`, GeoTIFF
/// ImageWidth x ImageLength): 250 million, 1 GB as f32. A 30 m DEM of all Pakistan
/// (about 900 x 1,500 km) has 1.5 billion cells and must be cropped first; the largest inputs
/// the project uses (national population rasters at 100 m) have about 120 million.
pub const MAX_GRID_CELLS: usize = 250_000_000;

/// Most columns or rows a grid read from a file may have.
pub const MAX_GRID_DIM: usize = 1_000_000;

/// Placement of a regular grid.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct GridSpec {
    pub x_min: f64,
    pub y_max: f64,
    pub dx: f64,
    pub dy: f64,
    pub ncols: usize,
    pub nrows: usize,
    pub crs: Crs,
}

impl GridSpec {
    /// A geographic grid covering `bbox` with cells of `cell_deg` degrees (rounded outward).
    pub fn covering(bbox: &BBox, cell_deg: f64) -> GridSpec {
        let ncols = ((bbox.width() / cell_deg) - 1e-9).ceil().max(1.0) as usize;
        let nrows = ((bbox.height() / cell_deg) - 1e-9).ceil().max(1.0) as usize;
        GridSpec {
            x_min: bbox.west,
            y_max: bbox.north,
            dx: cell_deg,
            dy: cell_deg,
            ncols,
            nrows,
            crs: Crs::Epsg4326,
        }
    }

    pub fn len(&self) -> usize {
        self.ncols * self.nrows
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn x_max(&self) -> f64 {
        self.x_min + self.dx * self.ncols as f64
    }

    pub fn y_min(&self) -> f64 {
        self.y_max - self.dy * self.nrows as f64
    }

    pub fn bbox(&self) -> BBox {
        BBox::new(self.x_min, self.y_min(), self.x_max(), self.y_max)
    }

    /// Centre of cell (`col`, `row`).
    pub fn cell_center(&self, col: usize, row: usize) -> (f64, f64) {
        (
            self.x_min + (col as f64 + 0.5) * self.dx,
            self.y_max - (row as f64 + 0.5) * self.dy,
        )
    }

    pub fn cell_center_lonlat(&self, idx: usize) -> LonLat {
        let (x, y) = self.cell_center(idx % self.ncols, idx / self.ncols);
        LonLat::new(x, y)
    }

    /// The cell holding (`x`, `y`), if inside.
    pub fn cell_of(&self, x: f64, y: f64) -> Option<(usize, usize)> {
        let c = ((x - self.x_min) / self.dx).floor();
        let r = ((self.y_max - y) / self.dy).floor();
        if c < 0.0 || r < 0.0 || !c.is_finite() || !r.is_finite() {
            return None;
        }
        let (c, r) = (c as usize, r as usize);
        (c < self.ncols && r < self.nrows).then_some((c, r))
    }

    pub fn index_of(&self, x: f64, y: f64) -> Option<usize> {
        self.cell_of(x, y).map(|(c, r)| r * self.ncols + c)
    }

    /// Area of cell row `row` in km², for geographic grids (spherical Earth).
    pub fn cell_area_km2(&self, row: usize) -> f64 {
        match self.crs {
            Crs::Epsg4326 => {
                let r = crate::geo_types::EARTH_RADIUS_KM;
                let north = (self.y_max - row as f64 * self.dy).to_radians();
                let south = (self.y_max - (row + 1) as f64 * self.dy).to_radians();
                r * r * self.dx.to_radians() * (north.sin() - south.sin()).abs()
            }
            _ => self.dx * self.dy / 1e6,
        }
    }

    /// True when both grids have the same placement (within a small tolerance).
    pub fn same_placement(&self, o: &GridSpec) -> bool {
        let tol = 1e-6 * self.dx.abs().max(1e-12);
        self.ncols == o.ncols
            && self.nrows == o.nrows
            && (self.x_min - o.x_min).abs() < tol
            && (self.y_max - o.y_max).abs() < tol
            && (self.dx - o.dx).abs() < tol
            && (self.dy - o.dy).abs() < tol
    }
}

/// A regular grid of values, row-major from the north-west corner.
#[derive(Debug, Clone, PartialEq)]
pub struct Grid<T> {
    pub spec: GridSpec,
    pub data: Vec<T>,
    /// The value that marks missing data, as written to file headers.
    pub nodata: Option<f64>,
}

impl<T: Copy> Grid<T> {
    pub fn filled(spec: GridSpec, value: T) -> Self {
        Grid {
            spec,
            data: vec![value; spec.len()],
            nodata: None,
        }
    }

    pub fn from_vec(spec: GridSpec, data: Vec<T>) -> Option<Self> {
        (data.len() == spec.len()).then_some(Grid {
            spec,
            data,
            nodata: None,
        })
    }

    pub fn get(&self, col: usize, row: usize) -> T {
        self.data[row * self.spec.ncols + col]
    }

    pub fn set(&mut self, col: usize, row: usize, v: T) {
        let n = self.spec.ncols;
        self.data[row * n + col] = v;
    }

    /// Value of the cell that holds (`x`, `y`).
    pub fn at(&self, x: f64, y: f64) -> Option<T> {
        self.spec.index_of(x, y).map(|i| self.data[i])
    }

    pub fn map<U: Copy>(&self, f: impl Fn(T) -> U) -> Grid<U> {
        Grid {
            spec: self.spec,
            data: self.data.iter().map(|&v| f(v)).collect(),
            nodata: self.nodata,
        }
    }
}

impl Grid<f32> {
    /// Bilinear interpolation between cell centres; `None` outside the grid or next to NaN.
    pub fn sample_bilinear(&self, x: f64, y: f64) -> Option<f32> {
        let s = &self.spec;
        let fc = (x - s.x_min) / s.dx - 0.5;
        let fr = (s.y_max - y) / s.dy - 0.5;
        if !(fc.is_finite() && fr.is_finite()) {
            return None;
        }
        let maxc = (s.ncols - 1) as f64;
        let maxr = (s.nrows - 1) as f64;
        if fc < -0.5 || fr < -0.5 || fc > maxc + 0.5 || fr > maxr + 0.5 {
            return None;
        }
        let fc = fc.clamp(0.0, maxc);
        let fr = fr.clamp(0.0, maxr);
        let (c0, r0) = (fc.floor() as usize, fr.floor() as usize);
        let (c1, r1) = ((c0 + 1).min(s.ncols - 1), (r0 + 1).min(s.nrows - 1));
        let (tx, ty) = ((fc - c0 as f64) as f32, (fr - r0 as f64) as f32);
        let v00 = self.get(c0, r0);
        let v10 = self.get(c1, r0);
        let v01 = self.get(c0, r1);
        let v11 = self.get(c1, r1);
        let v = (v00 * (1.0 - tx) + v10 * tx) * (1.0 - ty) + (v01 * (1.0 - tx) + v11 * tx) * ty;
        v.is_finite().then_some(v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cell_lookup_and_centres() {
        let s = GridSpec::covering(&BBox::new(10.0, 20.0, 12.0, 21.0), 0.5);
        assert_eq!((s.ncols, s.nrows), (4, 2));
        assert_eq!(s.cell_of(10.1, 20.9), Some((0, 0)));
        assert_eq!(s.cell_of(11.9, 20.1), Some((3, 1)));
        assert_eq!(s.cell_of(12.1, 20.1), None);
        assert_eq!(s.cell_center(0, 0), (10.25, 20.75));
    }

    #[test]
    fn cell_area_at_equator_is_about_one_degree_squared() {
        let s = GridSpec::covering(&BBox::new(0.0, -0.5, 1.0, 0.5), 1.0);
        let a = s.cell_area_km2(0);
        assert!((a - 12364.0).abs() < 20.0, "{a}");
    }

    #[test]
    fn bilinear_interpolates_between_centres() {
        let s = GridSpec::covering(&BBox::new(0.0, 0.0, 2.0, 1.0), 1.0);
        let g = Grid::from_vec(s, vec![0.0f32, 10.0]).unwrap();
        assert_eq!(g.sample_bilinear(1.0, 0.5), Some(5.0));
        assert_eq!(g.sample_bilinear(0.5, 0.5), Some(0.0));
        assert_eq!(g.sample_bilinear(3.0, 0.5), None);
    }
}
