//! process-exporter's grouping config: the YAML `process_names:` list of matchers
//! (first match wins), each an AND of optional `comm:`, `exe:` and `cmdline:`
//! selectors, and its `name:` template.
//!
//! Templates are the subset of Go's text/template that process-exporter configs
//! use: literal text and `{{.Comm}}`, `{{.ExeBase}}`, `{{.ExeFull}}`,
//! `{{.Username}}`, `{{.PID}}`, `{{.StartTime}}`, `{{.Matches.NAME}}`. Anything
//! else is a config error, not a silent wrong name.

use std::collections::{BTreeMap, HashMap, HashSet};

use regex::Regex;
use serde::Deserialize;

/// The YAML file's shape.
#[derive(Debug, Deserialize)]
struct RawConfig {
    #[serde(default)]
    process_names: Vec<RawMatcher>,
}

#[derive(Debug, Deserialize)]
struct RawMatcher {
    name: Option<String>,
    comm: Option<Vec<String>>,
    exe: Option<Vec<String>>,
    cmdline: Option<Vec<String>>,
}

/// One piece of a name template.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Part {
    Text(String),
    Comm,
    ExeBase,
    ExeFull,
    Username,
    Pid,
    StartTime,
    Match(String),
}

/// A parsed `name:` template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Template {
    parts: Vec<Part>,
}

impl Template {
    /// Parses a template; an action other than the fields above is an error.
    pub fn parse(text: &str) -> Result<Template, String> {
        let mut parts = Vec::new();
        let mut rest = text;
        while let Some(open) = rest.find("{{") {
            if open > 0 {
                parts.push(Part::Text(rest[..open].to_owned()));
            }
            let after = &rest[open + 2..];
            let close = after
                .find("}}")
                .ok_or_else(|| format!("unclosed action in template {text:?}"))?;
            let action = after[..close].trim();
            let part = match action {
                ".Comm" => Part::Comm,
                ".ExeBase" => Part::ExeBase,
                ".ExeFull" => Part::ExeFull,
                ".Username" => Part::Username,
                ".PID" => Part::Pid,
                ".StartTime" => Part::StartTime,
                a => match a.strip_prefix(".Matches.") {
                    Some(k)
                        if !k.is_empty() && k.chars().all(|c| c.is_alphanumeric() || c == '_') =>
                    {
                        Part::Match(k.to_owned())
                    }
                    _ => {
                        return Err(format!(
                            "unsupported template action {{{{{a}}}}} in {text:?}"
                        ))
                    }
                },
            };
            parts.push(part);
            rest = &after[close + 2..];
        }
        if !rest.is_empty() {
            parts.push(Part::Text(rest.to_owned()));
        }
        Ok(Template { parts })
    }

    /// True when the template needs the user name (looked up only then).
    pub fn uses_username(&self) -> bool {
        self.parts.contains(&Part::Username)
    }

    fn render(&self, p: &ProcAttrs<'_>, matches: &BTreeMap<String, String>) -> String {
        let (exe_full, exe_base) = exe_names(p);
        let mut out = String::new();
        for part in &self.parts {
            match part {
                Part::Text(t) => out.push_str(t),
                Part::Comm => out.push_str(p.comm),
                Part::ExeBase => out.push_str(exe_base),
                Part::ExeFull => out.push_str(exe_full),
                Part::Username => out.push_str(p.username.unwrap_or("")),
                Part::Pid => out.push_str(&p.pid.to_string()),
                Part::StartTime => out.push_str(&go_time_string(p.start_time)),
                // Go's template prints a missing map key as "<no value>".
                Part::Match(k) => {
                    out.push_str(matches.get(k).map(String::as_str).unwrap_or("<no value>"))
                }
            }
        }
        out
    }
}

/// process-exporter's ExeFull (argv[0], or the comm when the command line is
/// empty) and ExeBase (its `filepath.Base`).
fn exe_names<'a>(p: &ProcAttrs<'a>) -> (&'a str, &'a str) {
    match p.cmdline.first() {
        Some(full) => (full.as_str(), go_base(full)),
        None => (p.comm, p.comm),
    }
}

/// Go's `filepath.Base`: the last element after trailing slashes are removed;
/// "" gives ".", all slashes give "/".
fn go_base(path: &str) -> &str {
    if path.is_empty() {
        return ".";
    }
    let trimmed = path.trim_end_matches('/');
    if trimmed.is_empty() {
        return "/";
    }
    match trimmed.rfind('/') {
        Some(i) => &trimmed[i + 1..],
        None => trimmed,
    }
}

/// A start time as Go's `time.Time.String()` prints it, in UTC:
/// `2024-05-01 10:20:30.5 +0000 UTC` (fraction without trailing zeros).
fn go_time_string(unix: f64) -> String {
    let secs = unix.floor();
    let nanos = ((unix - secs) * 1e9).round() as u64;
    let secs = secs as i64;
    let days = secs.div_euclid(86_400);
    let tod = secs.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    let mut s = format!(
        "{y:04}-{m:02}-{d:02} {:02}:{:02}:{:02}",
        tod / 3600,
        (tod % 3600) / 60,
        tod % 60
    );
    if nanos > 0 && nanos < 1_000_000_000 {
        let frac = format!("{nanos:09}");
        s.push('.');
        s.push_str(frac.trim_end_matches('0'));
    }
    s.push_str(" +0000 UTC");
    s
}

/// Days since 1970-01-01 to (year, month, day) in the proleptic Gregorian
/// calendar (Howard Hinnant's algorithm).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// What a matcher sees of a process (process-exporter's `ProcAttributes`).
#[derive(Debug, Clone, Copy)]
pub struct ProcAttrs<'a> {
    /// The kernel's command name (`/proc/PID/stat`, 15 characters at most).
    pub comm: &'a str,
    /// The command line (`/proc/PID/cmdline`), for `cmdline:` and `exe:`.
    pub cmdline: &'a [String],
    /// The effective user's name, when the template needs it.
    pub username: Option<&'a str>,
    /// The process id (`{{.PID}}`).
    pub pid: u32,
    /// Seconds since the epoch.
    pub start_time: f64,
}

/// One `process_names:` entry.
#[derive(Debug, Clone)]
struct Matcher {
    comm: Option<HashSet<String>>,
    /// Base name → full path required ("" when any path will do).
    exe: Option<HashMap<String, String>>,
    cmdline: Option<Vec<Regex>>,
    template: Template,
}

impl Matcher {
    /// The AND of the selectors; the named captures of the cmdline regexes.
    fn matches(&self, p: &ProcAttrs<'_>) -> Option<BTreeMap<String, String>> {
        if let Some(comms) = &self.comm {
            if !comms.contains(p.comm) {
                return None;
            }
        }
        if let Some(exes) = &self.exe {
            let argv0 = p.cmdline.first()?;
            match exes.get(go_base(argv0)) {
                Some(full) if full.is_empty() || full == argv0 => {}
                _ => return None,
            }
        }
        let mut captures = BTreeMap::new();
        if let Some(regexes) = &self.cmdline {
            let joined = p.cmdline.join(" ");
            for re in regexes {
                let caps = re.captures(&joined)?;
                for name in re.capture_names().flatten() {
                    let v = caps.name(name).map(|m| m.as_str()).unwrap_or("");
                    captures.insert(name.to_owned(), v.to_owned());
                }
            }
        }
        Some(captures)
    }
}

/// A parsed process-exporter config.
#[derive(Debug, Clone)]
pub struct ProcessConfig {
    matchers: Vec<Matcher>,
}

impl ProcessConfig {
    /// Parses process-exporter's YAML.
    pub fn from_yaml(text: &str) -> Result<ProcessConfig, String> {
        let raw: RawConfig = serde_yaml_ng::from_str(text).map_err(|e| e.to_string())?;
        let mut matchers = Vec::new();
        for m in raw.process_names {
            let cmdline = match m.cmdline {
                Some(list) => Some(
                    list.iter()
                        .map(|r| Regex::new(r).map_err(|e| format!("bad cmdline regex {r:?}: {e}")))
                        .collect::<Result<Vec<_>, _>>()?,
                ),
                None => None,
            };
            let exe = m.exe.map(|list| {
                list.into_iter()
                    .map(|e| {
                        if e.contains('/') {
                            (go_base(&e).to_owned(), e)
                        } else {
                            (e, String::new())
                        }
                    })
                    .collect()
            });
            let template = Template::parse(m.name.as_deref().unwrap_or("{{.ExeBase}}"))?;
            matchers.push(Matcher {
                comm: m.comm.map(|c| c.into_iter().collect()),
                exe,
                cmdline,
                template,
            });
        }
        Ok(ProcessConfig { matchers })
    }

    /// The Debian package's default config (`/etc/default/prometheus-process-exporter`
    /// points at it): every process with a command line, grouped by comm.
    pub fn debian_default() -> ProcessConfig {
        // The literal is valid; a failure here would be a bug caught by the tests.
        ProcessConfig::from_yaml("process_names:\n  - name: \"{{.Comm}}\"\n    cmdline: ['.+']\n")
            .unwrap_or(ProcessConfig {
                matchers: Vec::new(),
            })
    }

    /// True when some template needs `{{.Username}}`.
    pub fn uses_username(&self) -> bool {
        self.matchers.iter().any(|m| m.template.uses_username())
    }

    /// The group name of the first matcher that matches, if any.
    pub fn match_and_name(&self, p: &ProcAttrs<'_>) -> Option<String> {
        self.matchers
            .iter()
            .find_map(|m| m.matches(p).map(|caps| m.template.render(p, &caps)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn attrs<'a>(comm: &'a str, cmdline: &'a [String]) -> ProcAttrs<'a> {
        ProcAttrs {
            comm,
            cmdline,
            username: Some("root"),
            pid: 42,
            start_time: 1_700_000_000.25,
        }
    }

    #[test]
    fn first_match_wins_with_templates() {
        let cfg = ProcessConfig::from_yaml(
            r#"
process_names:
  - comm: [bash]
  - exe: [/usr/sbin/sshd]
    name: "ssh:{{.Username}}:{{.PID}}"
  - cmdline: ['prometheus', '--config.file=(?P<cfg>\S+)']
    name: "prom-{{.Matches.cfg}}-{{.Matches.nope}}"
  - name: "{{.Comm}}"
    cmdline: ['.+']
"#,
        )
        .expect("valid config");
        let bash: Vec<String> = vec!["/bin/bash".into(), "-l".into()];
        assert_eq!(
            cfg.match_and_name(&attrs("bash", &bash)).as_deref(),
            Some("bash")
        );
        let sshd: Vec<String> = vec!["/usr/sbin/sshd".into()];
        assert_eq!(
            cfg.match_and_name(&attrs("sshd", &sshd)).as_deref(),
            Some("ssh:root:42")
        );
        let other_sshd: Vec<String> = vec!["/opt/sshd".into()];
        assert_eq!(
            cfg.match_and_name(&attrs("sshd", &other_sshd)).as_deref(),
            Some("sshd")
        );
        let prom: Vec<String> = vec!["/bin/prometheus".into(), "--config.file=/etc/p.yml".into()];
        assert_eq!(
            cfg.match_and_name(&attrs("prometheus", &prom)).as_deref(),
            Some("prom-/etc/p.yml-<no value>")
        );
        assert_eq!(cfg.match_and_name(&attrs("kthreadd", &[])), None);
    }

    #[test]
    fn exe_basename_rule_and_default_name() {
        let cfg = ProcessConfig::from_yaml("process_names:\n  - exe: [sleep]\n").expect("valid");
        let a: Vec<String> = vec!["/usr/bin/sleep".into(), "5".into()];
        assert_eq!(
            cfg.match_and_name(&attrs("sleep", &a)).as_deref(),
            Some("sleep")
        );
        assert!(ProcessConfig::from_yaml("process_names:\n  - name: '{{.Cgroups}}'\n").is_err());
        assert!(ProcessConfig::from_yaml("process_names:\n  - cmdline: ['(']\n").is_err());
    }

    #[test]
    fn start_time_prints_like_go() {
        assert_eq!(go_time_string(0.0), "1970-01-01 00:00:00 +0000 UTC");
        assert_eq!(
            go_time_string(1_700_000_000.25),
            "2023-11-14 22:13:20.25 +0000 UTC"
        );
        assert_eq!(go_base("/usr/bin/"), "bin");
        assert_eq!(go_base(""), ".");
    }

    #[test]
    fn debian_default_groups_by_comm() {
        let cfg = ProcessConfig::debian_default();
        let a: Vec<String> = vec!["x".into()];
        assert_eq!(
            cfg.match_and_name(&attrs("comm1", &a)).as_deref(),
            Some("comm1")
        );
        assert_eq!(cfg.match_and_name(&attrs("kworker", &[])), None);
    }
}
