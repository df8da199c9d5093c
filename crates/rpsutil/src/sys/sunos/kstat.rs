//! libkstat (`kstat(3KSTAT)`): the kernel statistics psutil reads for CPU, disk and
//! NIC counters. The `libc` crate has no bindings, so the two structures walked here
//! are declared from illumos' headers, with their sizes and offsets checked at
//! compile time: `kstat_ctl_t` (`usr/src/head/kstat.h`) and `kstat_t`
//! (`usr/src/uts/common/sys/kstat.h`), 64-bit data model.
//!
//! [`walk`] copies out, for every kstat a filter accepts, its header and data
//! section; the pure decoding of those bytes is in `rpsutil_parse::sunos::kstat`.

use std::ffi::{c_char, c_int, c_uint, c_void};
use std::io;
use std::mem::{offset_of, size_of};

use rpsutil_parse::sunos::kstat::KSTAT_STRLEN;

use crate::{Error, Result};

/// `KSTAT_TYPE_NAMED`.
pub(crate) const KSTAT_TYPE_NAMED: u8 = 1;
/// `KSTAT_TYPE_IO`.
pub(crate) const KSTAT_TYPE_IO: u8 = 3;

/// `kstat_t` (`<sys/kstat.h>`).
#[repr(C)]
struct KstatT {
    ks_crtime: i64,
    ks_next: *mut KstatT,
    ks_kid: c_int,
    ks_module: [c_char; KSTAT_STRLEN],
    ks_resv: u8,
    ks_instance: c_int,
    ks_name: [c_char; KSTAT_STRLEN],
    ks_type: u8,
    ks_class: [c_char; KSTAT_STRLEN],
    ks_flags: u8,
    ks_data: *mut c_void,
    ks_ndata: c_uint,
    ks_data_size: usize,
    ks_snaptime: i64,
    ks_update: *mut c_void,
    ks_private: *mut c_void,
    ks_snapshot: *mut c_void,
    ks_lock: *mut c_void,
}

const _: () = assert!(size_of::<KstatT>() == 184);
const _: () = assert!(offset_of!(KstatT, ks_next) == 8);
const _: () = assert!(offset_of!(KstatT, ks_kid) == 16);
const _: () = assert!(offset_of!(KstatT, ks_module) == 20);
const _: () = assert!(offset_of!(KstatT, ks_resv) == 51);
const _: () = assert!(offset_of!(KstatT, ks_instance) == 52);
const _: () = assert!(offset_of!(KstatT, ks_name) == 56);
const _: () = assert!(offset_of!(KstatT, ks_type) == 87);
const _: () = assert!(offset_of!(KstatT, ks_class) == 88);
const _: () = assert!(offset_of!(KstatT, ks_flags) == 119);
const _: () = assert!(offset_of!(KstatT, ks_data) == 120);
const _: () = assert!(offset_of!(KstatT, ks_ndata) == 128);
const _: () = assert!(offset_of!(KstatT, ks_data_size) == 136);
const _: () = assert!(offset_of!(KstatT, ks_snaptime) == 144);
const _: () = assert!(offset_of!(KstatT, ks_lock) == 176);

/// `kstat_ctl_t` (`<kstat.h>`).
#[repr(C)]
struct KstatCtl {
    kc_chain_id: c_int,
    kc_chain: *mut KstatT,
    kc_kd: c_int,
}

const _: () = assert!(size_of::<KstatCtl>() == 24);
const _: () = assert!(offset_of!(KstatCtl, kc_chain) == 8);
const _: () = assert!(offset_of!(KstatCtl, kc_kd) == 16);

#[link(name = "kstat")]
extern "C" {
    fn kstat_open() -> *mut KstatCtl;
    fn kstat_close(kc: *mut KstatCtl) -> c_int;
    fn kstat_read(kc: *mut KstatCtl, ksp: *mut KstatT, buf: *mut c_void) -> c_int;
}

/// An open libkstat handle, closed on drop.
struct Ctl(*mut KstatCtl);

impl Ctl {
    fn open() -> Result<Ctl> {
        // SAFETY: kstat_open takes no arguments; it returns NULL (errno set) or a
        // handle that stays valid until kstat_close.
        let kc = unsafe { kstat_open() };
        if kc.is_null() {
            return Err(Error::os(io::Error::last_os_error(), "kstat_open"));
        }
        Ok(Ctl(kc))
    }
}

impl Drop for Ctl {
    fn drop(&mut self) {
        // SAFETY: self.0 came from kstat_open and is closed exactly once.
        unsafe { kstat_close(self.0) };
    }
}

/// The identifying fields of one kstat.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Header {
    /// `ks_module`.
    pub(crate) module: String,
    /// `ks_instance`.
    pub(crate) instance: i32,
    /// `ks_name`.
    pub(crate) name: String,
    /// `ks_class`.
    pub(crate) class: String,
    /// `ks_type` (`KSTAT_TYPE_*`).
    pub(crate) ks_type: u8,
}

/// One kstat the filter accepted, with its data section after `kstat_read`.
#[derive(Debug)]
pub(crate) struct Entry {
    /// Its identity.
    pub(crate) header: Header,
    /// `ks_ndata` (the number of records of a named kstat).
    pub(crate) ndata: usize,
    /// The `ks_data_size` bytes of `ks_data`; the errno when `kstat_read` failed.
    pub(crate) data: std::result::Result<Vec<u8>, io::Error>,
}

fn field(chars: &[c_char; KSTAT_STRLEN]) -> String {
    let bytes: Vec<u8> = chars.iter().map(|&c| c as u8).collect();
    String::from_utf8_lossy(rpsutil_parse::sunos::until_nul(&bytes)).into_owned()
}

/// Walks the kstat chain in its order; for each kstat `want` accepts, reads it
/// (`kstat_read`) and copies its data out.
pub(crate) fn walk(mut want: impl FnMut(&Header) -> bool) -> Result<Vec<Entry>> {
    let ctl = Ctl::open()?;
    let mut out = Vec::new();
    // SAFETY: ctl.0 is a live kstat_ctl_t; kc_chain is the head of its chain.
    let mut ksp = unsafe { (*ctl.0).kc_chain };
    while !ksp.is_null() {
        // SAFETY: ksp is a node of the chain of the open handle, which libkstat
        // keeps allocated until kstat_close (no kstat_chain_update is called).
        let ks = unsafe { &*ksp };
        let header = Header {
            module: field(&ks.ks_module),
            instance: ks.ks_instance,
            name: field(&ks.ks_name),
            class: field(&ks.ks_class),
            ks_type: ks.ks_type,
        };
        let next = ks.ks_next;
        if want(&header) {
            // SAFETY: kc and ksp belong together; a NULL buffer asks libkstat to
            // (re)allocate ks_data itself, sized ks_data_size.
            let rc = unsafe { kstat_read(ctl.0, ksp, std::ptr::null_mut()) };
            let data = if rc == -1 {
                Err(io::Error::last_os_error())
            } else {
                // SAFETY: after a successful kstat_read the header is updated.
                let ks = unsafe { &*ksp };
                if ks.ks_data.is_null() {
                    Ok(Vec::new())
                } else {
                    // SAFETY: ks_data points to ks_data_size bytes owned by
                    // libkstat, valid until the next read of this kstat or close.
                    let bytes = unsafe {
                        std::slice::from_raw_parts(ks.ks_data as *const u8, ks.ks_data_size)
                    };
                    Ok(bytes.to_vec())
                }
            };
            // SAFETY: as above, the header is valid.
            let ndata = unsafe { (*ksp).ks_ndata } as usize;
            out.push(Entry {
                header,
                ndata,
                data,
            });
        }
        ksp = next;
    }
    Ok(out)
}

/// The named records of `entry` (a `KSTAT_TYPE_NAMED` kstat read successfully).
pub(crate) fn named(entry: &Entry) -> Result<Vec<rpsutil_parse::sunos::kstat::Named>> {
    let data = entry.data.as_ref().map_err(|e| {
        Error::os(
            io::Error::from_raw_os_error(e.raw_os_error().unwrap_or(libc::EIO)),
            format!("kstat_read {}", entry.header.name),
        )
    })?;
    rpsutil_parse::sunos::kstat::parse_named(data, entry.ndata).map_err(|e| Error::Parse {
        path: format!(
            "kstat {}:{}:{}",
            entry.header.module, entry.header.instance, entry.header.name
        ),
        detail: e.detail,
    })
}
