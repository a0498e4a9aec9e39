//! The check for channels narrower than a cell.
//!
//! A flood that runs down a valley narrower than a grid cell is one cell wide on the grid: the
//! flow is spread over the whole cell, so depths are cell averages (too shallow in the channel,
//! too deep on its banks), the water moves too slowly and arrives too late. The check counts the
//! flooded cells (maximum depth >= 0.1 m) whose 3 x 3 neighbourhood holds at most
//! [`NARROW_NEIGHBOURHOOD_CELLS`] flooded cells: a straight path one cell wide holds 3, a
//! staircase (a diagonal path) 5, a path two cells wide 6.

use crate::solver::FLOOD_DEPTH_M;
use forewarn_core::Grid;

/// Most flooded cells in the 3 x 3 neighbourhood (itself included) of a cell on a one-cell-wide
/// flow path.
pub const NARROW_NEIGHBOURHOOD_CELLS: usize = 5;
/// Share of the flooded cells on one-cell-wide paths above which a run warns.
pub const NARROW_WARN_SHARE: f64 = 0.25;
/// Fewest flooded cells for the check to say anything.
pub const NARROW_MIN_FLOODED_CELLS: usize = 10;

/// Flooded cells and those of them on one-cell-wide paths.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NarrowCount {
    pub flooded: usize,
    pub narrow: usize,
}

/// Count the flooded cells of `max_depth_m` and those on one-cell-wide paths.
pub fn count_narrow(max_depth_m: &Grid<f32>) -> NarrowCount {
    let (nc, nr) = (max_depth_m.spec.ncols, max_depth_m.spec.nrows);
    let wet = |r: usize, c: usize| {
        let v = max_depth_m.data[r * nc + c];
        v.is_finite() && (v as f64) >= FLOOD_DEPTH_M
    };
    let mut out = NarrowCount {
        flooded: 0,
        narrow: 0,
    };
    for r in 0..nr {
        for c in 0..nc {
            if !wet(r, c) {
                continue;
            }
            out.flooded += 1;
            let mut n = 0;
            for rr in r.saturating_sub(1)..(r + 2).min(nr) {
                for cc in c.saturating_sub(1)..(c + 2).min(nc) {
                    n += usize::from(wet(rr, cc));
                }
            }
            if n <= NARROW_NEIGHBOURHOOD_CELLS {
                out.narrow += 1;
            }
        }
    }
    out
}

/// The warning for a run whose flood runs mostly in one-cell-wide paths, if it does.
pub fn narrow_channel_warning(max_depth_m: &Grid<f32>, dx_m: f64, dy_m: f64) -> Option<String> {
    let n = count_narrow(max_depth_m);
    if n.flooded < NARROW_MIN_FLOODED_CELLS {
        return None;
    }
    let share = n.narrow as f64 / n.flooded as f64;
    (share >= NARROW_WARN_SHARE).then(|| {
        format!(
            "{:.0} % of the {} flooded cells lie on flow paths one cell wide ({dx_m:.0} x {dy_m:.0} m \
             cells): the channel is narrower than a cell, so depths are cell averages, the flow is \
             too slow and the modelled arrival too late (use the early bound, or finer terrain)",
            100.0 * share,
            n.flooded
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use forewarn_core::grid::{Crs, GridSpec};

    fn grid(rows: &[&str]) -> Grid<f32> {
        let spec = GridSpec {
            x_min: 0.0,
            y_max: 0.0,
            dx: 1.0,
            dy: 1.0,
            ncols: rows[0].len(),
            nrows: rows.len(),
            crs: Crs::UnknownMetres,
        };
        let data = rows
            .iter()
            .flat_map(|r| r.chars().map(|ch| if ch == '#' { 1.0 } else { 0.0 }))
            .collect();
        Grid {
            spec,
            data,
            nodata: None,
        }
    }

    #[test]
    fn one_cell_paths_warn_and_wide_ones_do_not() {
        let straight = grid(&["............", "############", "............"]);
        assert_eq!(count_narrow(&straight).narrow, 12);
        assert!(narrow_channel_warning(&straight, 900.0, 900.0).is_some());
        let stairs = grid(&[
            "##......", ".##.....", "..##....", "...##...", "....##..", ".....##.",
        ]);
        let s = count_narrow(&stairs);
        assert_eq!(s.narrow, s.flooded);
        let wide = grid(&[
            "............",
            "############",
            "############",
            "############",
            "............",
        ]);
        let w = count_narrow(&wide);
        assert_eq!(w.flooded, 36);
        // Only the four corners look narrow.
        assert_eq!(w.narrow, 4);
        assert!(narrow_channel_warning(&wide, 10.0, 10.0).is_none());
    }
}
