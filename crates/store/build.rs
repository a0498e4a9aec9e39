//! Rebuild the store when a migration is added or changed: `sqlx::migrate!` embeds the files
//! of migrations/ at compile time but does not itself watch the directory.

fn main() {
    println!("cargo:rerun-if-changed=migrations");
}
