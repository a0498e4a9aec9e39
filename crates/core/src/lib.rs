//! Shared vocabulary for Forewarn: geographic types, north-up regular grids with GeoTIFF and
//! ESRI ASCII input/output, polygon rasterisation, and the embedded default region (countries,
//! settlements, airports, terrain) with its spatial indexes.
//!
//! This crate does no network or database I/O. Everything above it (science, store, server,
//! CLI) speaks its types.

pub mod admin_units;
pub mod csv_text;
pub mod geo_types;
pub mod grid;
pub mod place_names;
pub mod raster_ascii;
pub mod raster_tiff;
pub mod rasterize;
pub mod region;
pub mod text_file;

pub use csv_text::csv_field;
pub use geo_types::{BBox, LonLat, haversine_km};
pub use grid::{Crs, Grid, GridSpec, MAX_GRID_CELLS, MAX_GRID_DIM};
pub use region::{
    Airport, Country, CountryIndex, Region, RegionError, Settlement, SettlementIndex,
};
pub use text_file::{MAX_ASCII_GRID_BYTES, MAX_TEXT_INPUT_BYTES, read_text_limited};

/// Errors raised while reading or writing rasters. Every variant names the file.
#[derive(Debug, thiserror::Error)]
pub enum RasterError {
    #[error("{path}: cannot read: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}: not a valid GeoTIFF: {message}")]
    Tiff { path: String, message: String },
    #[error("{path}: line {line}: {message}")]
    Ascii {
        path: String,
        line: usize,
        message: String,
    },
    #[error("{path}: {message}")]
    Georef { path: String, message: String },
}
