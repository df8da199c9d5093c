//! `rpsutil uptime`: the time, how long the system has been up, the number of users
//! and the load averages, like procps `uptime`.

use std::io::Write;

use serde::Serialize;

use crate::error::CliResult;
use crate::util::{now_epoch, part, print_json, LocalTime};

/// Arguments of `rpsutil uptime`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Print `{"boot_time": f, "users": [...], "getloadavg": [a, b, c]}`.
    #[arg(long)]
    pub json: bool,
}

#[derive(Serialize)]
struct Report<'a> {
    boot_time: f64,
    users: Option<&'a [rpsutil::User]>,
    getloadavg: Option<(f64, f64, f64)>,
}

/// procps's up-time text: `3 days,  4:05`, `1 day, 37 min`, `37 min`.
pub fn up_text(secs: u64) -> String {
    let days = secs / 86_400;
    let hours = secs % 86_400 / 3600;
    let minutes = secs % 3600 / 60;
    let mut s = String::new();
    if days > 0 {
        s.push_str(&format!(
            "{days} {}, ",
            if days == 1 { "day" } else { "days" }
        ));
    }
    if hours > 0 {
        s.push_str(&format!("{hours:2}:{minutes:02}"));
    } else {
        s.push_str(&format!("{minutes} min"));
    }
    s
}

/// Runs `rpsutil uptime`.
pub fn run(args: &Args, out: &mut dyn Write) -> CliResult {
    let boot = rpsutil::boot_time()?;
    let users = part("users", rpsutil::users())?;
    let load = part("getloadavg", rpsutil::getloadavg())?;
    if args.json {
        return print_json(
            out,
            &Report {
                boot_time: boot,
                users: users.as_deref(),
                getloadavg: load,
            },
        );
    }
    let now = now_epoch();
    let t = LocalTime::from_epoch(now);
    let up = (now - boot).max(0.0) as u64;
    let mut line = format!(
        " {:02}:{:02}:{:02} up {}",
        t.hour,
        t.minute,
        t.second,
        up_text(up)
    );
    if let Some(users) = &users {
        let n = users.len();
        line.push_str(&format!(",  {n} {}", if n == 1 { "user" } else { "users" }));
    }
    if let Some((l1, l5, l15)) = load {
        line.push_str(&format!(",  load average: {l1:.2}, {l5:.2}, {l15:.2}"));
    }
    writeln!(out, "{line}")?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::up_text;

    #[test]
    fn durations() {
        assert_eq!(up_text(0), "0 min");
        assert_eq!(up_text(37 * 60 + 5), "37 min");
        assert_eq!(up_text(4 * 3600 + 5 * 60), " 4:05");
        assert_eq!(up_text(86_400 + 60), "1 day, 1 min");
        assert_eq!(up_text(3 * 86_400 + 14 * 3600), "3 days, 14:00");
    }
}
