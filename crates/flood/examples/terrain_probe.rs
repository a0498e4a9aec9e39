fn main() {
    let region = forewarn_core::Region::load_dir(std::path::Path::new("/work/main/data")).unwrap();
    let t = region.terrain.as_ref().unwrap();
    println!("{:?}", t.spec);
    let (w, e, s, n) = (72.40, 72.75, 38.15, 38.35);
    let mut lat = n;
    while lat > s {
        let mut line = format!("{lat:.3} ");
        let mut lon = w;
        while lon < e {
            line += &format!("{:5.0}", t.at(lon, lat).unwrap_or(f32::NAN));
            lon += 1.0 / 120.0;
        }
        println!("{line}");
        lat -= 1.0 / 120.0;
    }
}
