// sqlx::migrate! embeds the migration files at compile time; without this line cargo would not
// notice a new migration and the binary would silently ship the old schema.
fn main() {
    println!("cargo:rerun-if-changed=../../migrations");
}
