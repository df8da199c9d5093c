//! CPU figures of the BSD kernels: the `cp_time` tick arrays, FreeBSD's
//! `kern.sched.topology_spec` XML, `dev.cpu.N.freq_levels` and
//! `dev.cpu.N.temperature`.

use crate::{ParseError, Result};

/// Indexes of the states in this OS's `cp_time` array (`sys/resource.h` /
/// `sys/sched.h`): FreeBSD and NetBSD USER 0, NICE 1, SYS 2, INTR 3, IDLE 4;
/// OpenBSD USER 0, NICE 1, SYS 2, SPIN 3, INTR 4, IDLE 5.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CpStates {
    /// `CP_USER`.
    pub user: usize,
    /// `CP_NICE`.
    pub nice: usize,
    /// `CP_SYS`.
    pub sys: usize,
    /// `CP_INTR`.
    pub intr: usize,
    /// `CP_IDLE`.
    pub idle: usize,
    /// `CPUSTATES`: entries per CPU.
    pub count: usize,
}

/// FreeBSD and NetBSD.
pub const CP_STATES_5: CpStates = CpStates {
    user: 0,
    nice: 1,
    sys: 2,
    intr: 3,
    idle: 4,
    count: 5,
};

/// OpenBSD (`CP_SPIN` at 3 is not reported, as psutil).
pub const CP_STATES_OPENBSD: CpStates = CpStates {
    user: 0,
    nice: 1,
    sys: 2,
    intr: 4,
    idle: 5,
    count: 6,
};

/// One CPU's (or the sum's) seconds per state: psutil's BSD
/// `scputimes(user, nice, system, idle, irq)`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CpTimes {
    /// User.
    pub user: f64,
    /// Nice.
    pub nice: f64,
    /// System.
    pub system: f64,
    /// Idle.
    pub idle: f64,
    /// Interrupts.
    pub irq: f64,
}

/// Reads an array of native-endian unsigned integers of `width` bytes (4 or 8:
/// `long` is 8 bytes on the 64-bit BSDs, NetBSD and OpenBSD's `KERN_CPTIME2` use
/// `u_int64_t`). The buffer must be a whole number of them.
pub fn ints(buf: &[u8], width: usize) -> Result<Vec<u64>> {
    if width != 4 && width != 8 {
        return Err(ParseError::new(format!("integer width {width}")));
    }
    if buf.len() % width != 0 {
        return Err(ParseError::new(format!(
            "{} bytes are not whole {width}-byte integers",
            buf.len()
        )));
    }
    Ok(buf
        .chunks_exact(width)
        .map(|c| {
            if width == 8 {
                let mut b = [0u8; 8];
                b.copy_from_slice(c);
                u64::from_ne_bytes(b)
            } else {
                u64::from(u32::from_ne_bytes([c[0], c[1], c[2], c[3]]))
            }
        })
        .collect())
}

/// Ticks of one CPU into seconds: each state ÷ `hz` (psutil divides by the
/// compile-time `CLOCKS_PER_SEC`: 128 on FreeBSD, 100 on OpenBSD and NetBSD).
pub fn cp_times(ticks: &[u64], s: &CpStates, hz: f64) -> Result<CpTimes> {
    if ticks.len() < s.count {
        return Err(ParseError::new(format!(
            "{} CPU states, expected {}",
            ticks.len(),
            s.count
        )));
    }
    let t = |i: usize| ticks[i] as f64 / hz;
    Ok(CpTimes {
        user: t(s.user),
        nice: t(s.nice),
        system: t(s.sys),
        idle: t(s.idle),
        irq: t(s.intr),
    })
}

/// Splits `kern.cp_times` (every CPU's states back to back) into per-CPU times.
/// Only whole groups are read: a kernel may report more CPU slots than
/// `hw.ncpu` (sparse CPU ids); `ncpu` limits the count when given.
pub fn per_cpu(ticks: &[u64], s: &CpStates, hz: f64, ncpu: Option<usize>) -> Result<Vec<CpTimes>> {
    if ticks.len() % s.count != 0 {
        return Err(ParseError::new(format!(
            "{} tick counters are not whole groups of {}",
            ticks.len(),
            s.count
        )));
    }
    let mut out = ticks
        .chunks_exact(s.count)
        .map(|c| cp_times(c, s, hz))
        .collect::<Result<Vec<_>>>()?;
    if let Some(n) = ncpu {
        out.truncate(n);
    }
    Ok(out)
}

/// The physical cores in FreeBSD's `kern.sched.topology_spec`.
///
/// psutil counts the `<cpu>` elements of the second-level `<group>`s, which gives
/// None on machines without SMT (#2782). Here, each innermost group flagged
/// `THREAD` or `SMT` is one core (its CPUs are its hardware threads) and every
/// CPU of the root group outside such groups is a core of its own. None when the
/// text has no root group with a CPU count.
pub fn topology_cores(xml: &[u8]) -> Option<u32> {
    let text = String::from_utf8_lossy(xml);
    struct Frame {
        cpus: Option<u32>,
        smt: bool,
    }
    let mut stack: Vec<Frame> = Vec::new();
    let mut root_cpus: Option<u32> = None;
    let (mut smt_groups, mut smt_cpus) = (0u32, 0u32);
    let mut rest = text.as_ref();
    while let Some(lt) = rest.find('<') {
        rest = &rest[lt + 1..];
        let end = rest.find('>')?;
        let tag = &rest[..end];
        rest = &rest[end + 1..];
        if tag == "group" || tag.starts_with("group ") {
            stack.push(Frame {
                cpus: None,
                smt: false,
            });
        } else if tag.trim_end() == "/group" {
            let f = stack.pop()?;
            if stack.is_empty() && root_cpus.is_none() {
                root_cpus = f.cpus;
            }
            if f.smt {
                smt_groups += 1;
                smt_cpus += f.cpus.unwrap_or(0);
            }
        } else if let Some(attrs) = tag.strip_prefix("cpu ") {
            let count = attr(attrs, "count").and_then(|v| v.parse().ok());
            if let Some(top) = stack.last_mut() {
                if top.cpus.is_none() {
                    top.cpus = count;
                }
            }
        } else if let Some(attrs) = tag.strip_prefix("flag ") {
            if matches!(attr(attrs, "name"), Some("THREAD") | Some("SMT")) {
                if let Some(top) = stack.last_mut() {
                    top.smt = true;
                }
            }
        }
    }
    let logical = root_cpus?;
    let cores = smt_groups + logical.saturating_sub(smt_cpus);
    (cores > 0).then_some(cores)
}

fn attr<'a>(attrs: &'a str, name: &str) -> Option<&'a str> {
    let key = format!("{name}=\"");
    let at = attrs.find(&key)? + key.len();
    let v = &attrs[at..];
    Some(&v[..v.find('"')?])
}

/// `dev.cpu.N.freq_levels` (`"MHz/mW MHz/mW …"`, fastest first) into
/// `(min, max)` MHz: the last and first levels. None when it holds no level.
pub fn freq_levels(text: &[u8]) -> Option<(u32, u32)> {
    let text = String::from_utf8_lossy(text);
    let mhz: Vec<u32> = text
        .split_whitespace()
        .filter_map(|tok| tok.split('/').next()?.parse().ok())
        .collect();
    Some((*mhz.last()?, *mhz.first()?))
}

/// `dev.cpu.N.temperature` / `coretemp.tjmax` (tenths of a kelvin, an `int`
/// sysctl) into °C as psutil computes it: C integer `(t − 2731) / 10`, which
/// truncates toward zero.
pub fn decikelvin_to_celsius(t: i64) -> f64 {
    ((t - 2731) / 10) as f64
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn longs(v: &[u64]) -> Vec<u8> {
        v.iter().flat_map(|x| x.to_ne_bytes()).collect()
    }

    #[test]
    fn tick_arrays() {
        let t = ints(&longs(&[128, 256, 384, 512, 640]), 8).unwrap();
        let c = cp_times(&t, &CP_STATES_5, 128.0).unwrap();
        assert_eq!(
            c,
            CpTimes {
                user: 1.0,
                nice: 2.0,
                system: 3.0,
                idle: 5.0,
                irq: 4.0
            }
        );
        let o = cp_times(&[100, 0, 200, 999, 300, 400], &CP_STATES_OPENBSD, 100.0).unwrap();
        assert_eq!((o.system, o.irq, o.idle), (2.0, 3.0, 4.0));
        assert!(cp_times(&[1, 2], &CP_STATES_5, 100.0).is_err());
        let all: Vec<u64> = (0..15).collect();
        let per = per_cpu(&all, &CP_STATES_5, 1.0, Some(2)).unwrap();
        assert_eq!(per.len(), 2);
        assert_eq!(per[1].user, 5.0);
        assert!(per_cpu(&all[..7], &CP_STATES_5, 1.0, None).is_err());
        assert!(ints(&[0; 7], 8).is_err());
        assert_eq!(ints(&7u32.to_ne_bytes(), 4).unwrap(), [7]);
    }

    const SMT: &str = r#"<groups>
 <group level="1" cache-level="3">
  <cpu count="4" mask="f,0,0,0">0, 1, 2, 3</cpu>
  <children>
   <group level="2" cache-level="2">
    <cpu count="2" mask="3,0,0,0">0, 1</cpu>
    <flags><flag name="THREAD">THREAD group</flag><flag name="SMT">SMT group</flag></flags>
   </group>
   <group level="2" cache-level="2">
    <cpu count="2" mask="c,0,0,0">2, 3</cpu>
    <flags><flag name="THREAD">THREAD group</flag><flag name="SMT">SMT group</flag></flags>
   </group>
  </children>
 </group>
</groups>
"#;

    const NO_SMT: &str = r#"<groups>
 <group level="1" cache-level="2">
  <cpu count="2" mask="3,0,0,0">0, 1</cpu>
 </group>
</groups>
"#;

    #[test]
    fn topology() {
        assert_eq!(topology_cores(SMT.as_bytes()), Some(2));
        assert_eq!(topology_cores(NO_SMT.as_bytes()), Some(2));
        assert_eq!(topology_cores(b"<groups></groups>"), None);
        assert_eq!(topology_cores(b"<group><cpu count=\"x\">"), None);
    }

    #[test]
    fn freq_and_temperature() {
        assert_eq!(
            freq_levels(b"2400/95000 2000/70000 800/20000"),
            Some((800, 2400))
        );
        assert_eq!(freq_levels(b"1000/-1"), Some((1000, 1000)));
        assert_eq!(freq_levels(b""), None);
        assert_eq!(decikelvin_to_celsius(3231), 50.0);
        assert_eq!(decikelvin_to_celsius(3239), 50.0);
        assert_eq!(decikelvin_to_celsius(0), -273.0);
    }

    proptest! {
        #[test]
        fn never_panics(buf in proptest::collection::vec(any::<u8>(), 0..300), s in ".{0,200}") {
            let _ = ints(&buf, 8).map(|t| per_cpu(&t, &CP_STATES_5, 128.0, None));
            let _ = topology_cores(&buf);
            let _ = topology_cores(s.as_bytes());
            let _ = freq_levels(s.as_bytes());
        }
    }
}
