//! GeoTIFF reading and writing in pure Rust (the `tiff` crate plus the GeoTIFF 1.0 tags).
//!
//! Written files are single-band, north-up, Deflate-compressed, with ModelPixelScale,
//! ModelTiepoint and a GeoKeyDirectory that GDAL and QGIS read (EPSG:4326 for geographic grids).
//! On reading, missing data (the GDAL_NODATA value) becomes NaN.

use crate::RasterError;
use crate::grid::{Crs, Grid, GridSpec, MAX_GRID_CELLS};
use std::fs::File;
use std::io::{BufReader, BufWriter, Read, Seek, Write};
use std::path::Path;
use tiff::decoder::{Decoder, DecodingResult, Limits};
use tiff::encoder::{Compression, DeflateLevel, TiffEncoder, colortype};
use tiff::tags::{Predictor, Tag};

// GeoTIFF 1.0 key ids (OGC GeoTIFF standard 19-008r4, section 7).
const GT_MODEL_TYPE: u16 = 1024;
const GT_RASTER_TYPE: u16 = 1025;
const GEOGRAPHIC_TYPE: u16 = 2048;
const GEOG_ANGULAR_UNITS: u16 = 2054;
const PROJECTED_CS_TYPE: u16 = 3072;
const PROJ_LINEAR_UNITS: u16 = 3076;
const MODEL_TYPE_PROJECTED: u16 = 1;
const MODEL_TYPE_GEOGRAPHIC: u16 = 2;
const RASTER_PIXEL_IS_AREA: u16 = 1;
const RASTER_PIXEL_IS_POINT: u16 = 2;
const ANGULAR_DEGREE: u16 = 9102;
const LINEAR_METRE: u16 = 9001;
const USER_DEFINED: u16 = 32767;

fn geokeys(crs: Crs) -> Vec<u16> {
    let mut keys: Vec<[u16; 4]> = Vec::new();
    match crs {
        Crs::Epsg4326 => {
            keys.push([GT_MODEL_TYPE, 0, 1, MODEL_TYPE_GEOGRAPHIC]);
            keys.push([GT_RASTER_TYPE, 0, 1, RASTER_PIXEL_IS_AREA]);
            keys.push([GEOGRAPHIC_TYPE, 0, 1, 4326]);
            keys.push([GEOG_ANGULAR_UNITS, 0, 1, ANGULAR_DEGREE]);
        }
        Crs::Projected(code) => {
            keys.push([GT_MODEL_TYPE, 0, 1, MODEL_TYPE_PROJECTED]);
            keys.push([GT_RASTER_TYPE, 0, 1, RASTER_PIXEL_IS_AREA]);
            keys.push([PROJECTED_CS_TYPE, 0, 1, code]);
            keys.push([PROJ_LINEAR_UNITS, 0, 1, LINEAR_METRE]);
        }
        Crs::UnknownMetres => {
            keys.push([GT_MODEL_TYPE, 0, 1, MODEL_TYPE_PROJECTED]);
            keys.push([GT_RASTER_TYPE, 0, 1, RASTER_PIXEL_IS_AREA]);
            keys.push([PROJECTED_CS_TYPE, 0, 1, USER_DEFINED]);
            keys.push([PROJ_LINEAR_UNITS, 0, 1, LINEAR_METRE]);
        }
    }
    let mut out = vec![1, 1, 0, keys.len() as u16];
    for k in keys {
        out.extend_from_slice(&k);
    }
    out
}

fn tiff_err(path: &Path, e: impl std::fmt::Display) -> RasterError {
    RasterError::Tiff {
        path: path.display().to_string(),
        message: e.to_string(),
    }
}

macro_rules! write_image {
    ($enc:expr, $ct:ty, $spec:expr, $data:expr, $nodata:expr) => {{
        let spec: &GridSpec = $spec;
        let mut image = $enc.new_image::<$ct>(spec.ncols as u32, spec.nrows as u32)?;
        let e = image.encoder();
        e.write_tag(Tag::ModelPixelScaleTag, &[spec.dx, spec.dy, 0.0][..])?;
        e.write_tag(
            Tag::ModelTiepointTag,
            &[0.0, 0.0, 0.0, spec.x_min, spec.y_max, 0.0][..],
        )?;
        e.write_tag(Tag::GeoKeyDirectoryTag, &geokeys(spec.crs)[..])?;
        if let Some(nd) = $nodata {
            e.write_tag(Tag::GdalNodata, &*format!("{nd}"))?;
        }
        image.rows_per_strip(16)?;
        image.write_data($data)?;
        Ok::<(), tiff::TiffError>(())
    }};
}

/// Sample types that can be written as a single-band GeoTIFF.
pub trait TiffSample: Copy {
    #[doc(hidden)]
    fn write<W: Write + Seek>(
        w: W,
        spec: &GridSpec,
        data: &[Self],
        nodata: Option<f64>,
    ) -> Result<(), tiff::TiffError>;
}

impl TiffSample for f32 {
    fn write<W: Write + Seek>(
        w: W,
        spec: &GridSpec,
        data: &[f32],
        nodata: Option<f64>,
    ) -> Result<(), tiff::TiffError> {
        let mut enc =
            TiffEncoder::new(w)?.with_compression(Compression::Deflate(DeflateLevel::Balanced));
        write_image!(enc, colortype::Gray32Float, spec, data, nodata)
    }
}

impl TiffSample for i16 {
    fn write<W: Write + Seek>(
        w: W,
        spec: &GridSpec,
        data: &[i16],
        nodata: Option<f64>,
    ) -> Result<(), tiff::TiffError> {
        let mut enc = TiffEncoder::new(w)?
            .with_compression(Compression::Deflate(DeflateLevel::Best))
            .with_predictor(Predictor::Horizontal);
        write_image!(enc, colortype::GrayI16, spec, data, nodata)
    }
}

impl TiffSample for u8 {
    fn write<W: Write + Seek>(
        w: W,
        spec: &GridSpec,
        data: &[u8],
        nodata: Option<f64>,
    ) -> Result<(), tiff::TiffError> {
        let mut enc = TiffEncoder::new(w)?
            .with_compression(Compression::Deflate(DeflateLevel::Balanced))
            .with_predictor(Predictor::Horizontal);
        write_image!(enc, colortype::Gray8, spec, data, nodata)
    }
}

/// Write `grid` as a GeoTIFF at `path`. NaN cells in f32 grids stay NaN and are declared as
/// GDAL_NODATA=nan unless the grid has its own nodata value.
pub fn write_geotiff<T: TiffSample>(path: &Path, grid: &Grid<T>) -> Result<(), RasterError> {
    let mut buf = std::io::Cursor::new(Vec::new());
    T::write(&mut buf, &grid.spec, &grid.data, grid.nodata).map_err(|e| tiff_err(path, e))?;
    let file = File::create(path).map_err(|source| RasterError::Io {
        path: path.display().to_string(),
        source,
    })?;
    let mut w = BufWriter::new(file);
    w.write_all(buf.get_ref())
        .and_then(|_| w.flush())
        .map_err(|source| RasterError::Io {
            path: path.display().to_string(),
            source,
        })
}

/// Read a single-band GeoTIFF file into an f32 grid (nodata becomes NaN).
pub fn read_geotiff(path: &Path) -> Result<Grid<f32>, RasterError> {
    let file = File::open(path).map_err(|source| RasterError::Io {
        path: path.display().to_string(),
        source,
    })?;
    read_geotiff_from(BufReader::new(file), path)
}

/// Read a GeoTIFF from bytes already in memory; `name` is used in error messages.
pub fn read_geotiff_bytes(bytes: &[u8], name: &Path) -> Result<Grid<f32>, RasterError> {
    read_geotiff_from(std::io::Cursor::new(bytes), name)
}

/// Decoder limits: an image of [`MAX_GRID_CELLS`] 8-byte samples, tag values up to 16 MB (a
/// tiepoint list of a million points). A file that claims more is refused before allocating.
fn read_limits() -> Limits {
    let mut limits = Limits::default();
    limits.decoding_buffer_size = MAX_GRID_CELLS * 8;
    limits.intermediate_buffer_size = MAX_GRID_CELLS * 8;
    limits.ifd_value_size = 16 * 1024 * 1024;
    limits
}

fn read_geotiff_from<R: Read + Seek>(r: R, path: &Path) -> Result<Grid<f32>, RasterError> {
    let georef = |m: &str| RasterError::Georef {
        path: path.display().to_string(),
        message: m.to_string(),
    };
    let mut dec = Decoder::new(r)
        .map_err(|e| tiff_err(path, e))?
        .with_limits(read_limits());
    let (w, h) = dec.dimensions().map_err(|e| tiff_err(path, e))?;
    if (w as usize).saturating_mul(h as usize) > MAX_GRID_CELLS {
        return Err(tiff_err(
            path,
            format!(
                "ImageWidth x ImageLength = {w} x {h} cells; at most {MAX_GRID_CELLS} are \
                 accepted (limit MAX_GRID_CELLS)"
            ),
        ));
    }
    let scale = dec
        .find_tag(Tag::ModelPixelScaleTag)
        .map_err(|e| tiff_err(path, e))?
        .ok_or_else(|| georef("no ModelPixelScale tag: the file is not geo-referenced"))?
        .into_f64_vec()
        .map_err(|e| tiff_err(path, e))?;
    let tie = dec
        .find_tag(Tag::ModelTiepointTag)
        .map_err(|e| tiff_err(path, e))?
        .ok_or_else(|| georef("no ModelTiepoint tag: the file is not geo-referenced"))?
        .into_f64_vec()
        .map_err(|e| tiff_err(path, e))?;
    if scale.len() < 2 || tie.len() < 6 {
        return Err(georef(
            "ModelPixelScale or ModelTiepoint has too few values",
        ));
    }
    let keys = dec
        .find_tag(Tag::GeoKeyDirectoryTag)
        .map_err(|e| tiff_err(path, e))?
        .map(|v| v.into_u16_vec())
        .transpose()
        .map_err(|e| tiff_err(path, e))?
        .unwrap_or_default();
    let key = |id: u16| {
        keys.get(4..)
            .unwrap_or(&[])
            .chunks_exact(4)
            .find(|k| k[0] == id && k[1] == 0)
            .map(|k| k[3])
    };
    let crs = match key(GT_MODEL_TYPE) {
        Some(MODEL_TYPE_GEOGRAPHIC) => match key(GEOGRAPHIC_TYPE) {
            Some(4326) | None => Crs::Epsg4326,
            Some(other) => {
                return Err(georef(&format!(
                    "geographic CRS EPSG:{other} is not supported; reproject to EPSG:4326"
                )));
            }
        },
        Some(MODEL_TYPE_PROJECTED) => match key(PROJECTED_CS_TYPE) {
            Some(USER_DEFINED) | None => Crs::UnknownMetres,
            Some(code) => Crs::Projected(code),
        },
        Some(other) => return Err(georef(&format!("unsupported GTModelType {other}"))),
        None => return Err(georef("no GeoKeyDirectory: the CRS is unknown")),
    };
    let (dx, dy) = (scale[0], scale[1]);
    if !(dx > 0.0 && dy > 0.0 && dx.is_finite() && dy.is_finite()) {
        return Err(georef("pixel scale must be positive"));
    }
    let mut x_min = tie[3] - tie[0] * dx;
    let mut y_max = tie[4] + tie[1] * dy;
    if key(GT_RASTER_TYPE) == Some(RASTER_PIXEL_IS_POINT) {
        x_min -= dx / 2.0;
        y_max += dy / 2.0;
    }
    let nodata: Option<f64> = match dec.find_tag(Tag::GdalNodata) {
        Ok(Some(v)) => v
            .into_string()
            .ok()
            .and_then(|s| s.trim_matches(char::from(0)).trim().parse().ok()),
        _ => None,
    };
    let img = dec.read_image().map_err(|e| tiff_err(path, e))?;
    let mut data: Vec<f32> = match img {
        DecodingResult::U8(v) => v.into_iter().map(f32::from).collect(),
        DecodingResult::I8(v) => v.into_iter().map(f32::from).collect(),
        DecodingResult::U16(v) => v.into_iter().map(f32::from).collect(),
        DecodingResult::I16(v) => v.into_iter().map(f32::from).collect(),
        DecodingResult::U32(v) => v.into_iter().map(|x| x as f32).collect(),
        DecodingResult::I32(v) => v.into_iter().map(|x| x as f32).collect(),
        DecodingResult::F32(v) => v,
        DecodingResult::F64(v) => v.into_iter().map(|x| x as f32).collect(),
        _ => return Err(tiff_err(path, "unsupported sample type")),
    };
    let n = w as usize * h as usize;
    if data.len() != n {
        return Err(tiff_err(
            path,
            format!(
                "expected one band of {n} samples, found {} (multi-band rasters are not supported)",
                data.len()
            ),
        ));
    }
    if let Some(nd) = nodata {
        let nd = nd as f32;
        for v in data.iter_mut() {
            if *v == nd {
                *v = f32::NAN;
            }
        }
    }
    let spec = GridSpec {
        x_min,
        y_max,
        dx,
        dy,
        ncols: w as usize,
        nrows: h as usize,
        crs,
    };
    Ok(Grid { spec, data, nodata })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::geo_types::BBox;

    #[test]
    fn f32_roundtrip_keeps_values_and_placement() {
        let spec = GridSpec::covering(&BBox::new(66.0, 36.0, 67.0, 36.5), 0.25);
        let mut g = Grid::from_vec(spec, (0..8).map(|i| i as f32 * 1.5).collect()).unwrap();
        g.data[3] = f32::NAN;
        g.nodata = Some(-9999.0);
        g.data[3] = -9999.0;
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a.tif");
        write_geotiff(&p, &g).unwrap();
        let r = read_geotiff(&p).unwrap();
        assert!(r.spec.same_placement(&spec));
        assert_eq!(r.spec.crs, Crs::Epsg4326);
        assert!(r.data[3].is_nan());
        assert_eq!(r.data[7], 10.5);
    }

    #[test]
    fn truncated_file_is_an_error_naming_the_file() {
        let spec = GridSpec::covering(&BBox::new(0.0, 0.0, 1.0, 1.0), 0.01);
        let g = Grid::filled(spec, 1i16);
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("t.tif");
        write_geotiff(&p, &g).unwrap();
        let bytes = std::fs::read(&p).unwrap();
        std::fs::write(&p, &bytes[..bytes.len() / 2]).unwrap();
        let e = read_geotiff(&p).unwrap_err().to_string();
        assert!(e.contains("t.tif"), "{e}");
    }
}
