//! Prints `as_dict()` of a process as JSON: `cargo run -p rpsutil --example dump -- PID`.
fn main() {
    let pid = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or_else(std::process::id);
    match rpsutil::Process::new(pid).and_then(|p| p.as_dict(&[])) {
        Ok(info) => println!(
            "{}",
            serde_json::to_string_pretty(&info).unwrap_or_default()
        ),
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(1);
        }
    }
}
