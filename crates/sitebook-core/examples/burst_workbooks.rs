//! Writes the burst benchmark's input: `COUNT` distinct estimate workbooks of `ITEMS` items each
//! into `DIR` (`cargo run --release --example burst_workbooks -- DIR COUNT ITEMS`). Each file's
//! name of work makes its bytes, and so its upload, distinct. See `benches/burst_vs_pool.py`.

#[path = "../tests/workbooks/mod.rs"]
mod workbooks;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [dir, count, items] = &args[..] else {
        eprintln!("usage: burst_workbooks DIR COUNT ITEMS");
        std::process::exit(2);
    };
    let count: u32 = count.parse().expect("COUNT is a number");
    let items: u32 = items.parse().expect("ITEMS is a number");
    std::fs::create_dir_all(dir).expect("the folder can be made");
    for n in 0..count {
        let name = format!("Burst estimate {n} of {count}, {items} items");
        let bytes = workbooks::estimate_with_items(&name, items);
        std::fs::write(format!("{dir}/burst-{n:04}.xlsx"), bytes).expect("the file can be written");
    }
}
