//! The floating-point type of the solver state (f32 by default, f64 as an option).

use std::ops::{Add, Div, Mul, Neg, Sub};

/// Arithmetic the solver kernels need, implemented for `f32` and `f64`.
pub trait Real:
    Copy
    + Send
    + Sync
    + PartialOrd
    + Add<Output = Self>
    + Sub<Output = Self>
    + Mul<Output = Self>
    + Div<Output = Self>
    + Neg<Output = Self>
    + std::fmt::Debug
    + 'static
{
    const ZERO: Self;
    const ONE: Self;
    /// Elevation given to NODATA cells: far above any water surface, so faces next to them never
    /// carry flow.
    const WALL: Self;
    fn from_f64(v: f64) -> Self;
    fn to_f64(self) -> f64;
    fn to_f32(self) -> f32;
    fn sqrt(self) -> Self;
    /// Cube root of a positive number (for f32 a fast approximation, relative error < 1e-5).
    fn cbrt_pos(self) -> Self;
    fn max(self, o: Self) -> Self;
    fn min(self, o: Self) -> Self;
    fn abs(self) -> Self;
    /// `if c { a } else { b }` written so that loops stay branch-free.
    #[inline(always)]
    fn select(c: bool, a: Self, b: Self) -> Self {
        if c { a } else { b }
    }
}

impl Real for f32 {
    const ZERO: f32 = 0.0;
    const ONE: f32 = 1.0;
    const WALL: f32 = 1.0e9;
    #[inline(always)]
    fn from_f64(v: f64) -> f32 {
        v as f32
    }
    #[inline(always)]
    fn to_f64(self) -> f64 {
        self as f64
    }
    #[inline(always)]
    fn to_f32(self) -> f32 {
        self
    }
    #[inline(always)]
    fn sqrt(self) -> f32 {
        f32::sqrt(self)
    }
    #[inline(always)]
    fn cbrt_pos(self) -> f32 {
        // Bit-level first guess (dividing the exponent by three), then two Newton steps
        // y <- (2y + x / y^2) / 3. Branch-free so that the flux loop vectorises.
        let bits = self.to_bits() / 3 + 0x2a51_37a0;
        let mut y = f32::from_bits(bits);
        y = (2.0 * y + self / (y * y)) * (1.0 / 3.0);
        y = (2.0 * y + self / (y * y)) * (1.0 / 3.0);
        y
    }
    #[inline(always)]
    fn max(self, o: f32) -> f32 {
        if self > o { self } else { o }
    }
    #[inline(always)]
    fn min(self, o: f32) -> f32 {
        if self < o { self } else { o }
    }
    #[inline(always)]
    fn abs(self) -> f32 {
        f32::abs(self)
    }
}

impl Real for f64 {
    const ZERO: f64 = 0.0;
    const ONE: f64 = 1.0;
    const WALL: f64 = 1.0e9;
    #[inline(always)]
    fn from_f64(v: f64) -> f64 {
        v
    }
    #[inline(always)]
    fn to_f64(self) -> f64 {
        self
    }
    #[inline(always)]
    fn to_f32(self) -> f32 {
        self as f32
    }
    #[inline(always)]
    fn sqrt(self) -> f64 {
        f64::sqrt(self)
    }
    #[inline(always)]
    fn cbrt_pos(self) -> f64 {
        f64::cbrt(self)
    }
    #[inline(always)]
    fn max(self, o: f64) -> f64 {
        if self > o { self } else { o }
    }
    #[inline(always)]
    fn min(self, o: f64) -> f64 {
        if self < o { self } else { o }
    }
    #[inline(always)]
    fn abs(self) -> f64 {
        f64::abs(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fast_cbrt_is_accurate() {
        let mut x = 1e-4f32;
        while x < 1e4 {
            let r = x.cbrt_pos();
            let e = ((r as f64) - (x as f64).cbrt()).abs() / (x as f64).cbrt();
            assert!(e < 1e-5, "x={x} rel err {e}");
            x *= 1.37;
        }
    }
}
