//! IOKit and CoreFoundation for the macOS backend: disk I/O counters (IOMedia
//! and its `IOBlockStorageDriver`), the battery (IOPowerSources) and the arm64
//! CPU frequency (the `pmgr` device), as psutil 7.2.2 reads them
//! (`arch/osx/disk.c`, `arch/osx/sensors.c`, `arch/osx/cpu.c`).
//!
//! The frameworks have no declarations in the `libc` crate, so the few functions
//! used are declared here by hand from the SDK headers (`CoreFoundation/CFBase.h`,
//! `CFDictionary.h`, `CFNumber.h`, `CFString.h`, `CFArray.h`, `CFData.h`;
//! `IOKit/IOKitLib.h`, `IOKit/ps/IOPowerSources.h`). This file is the only one
//! that touches them:
//! - every CoreFoundation object we own (a "Create" or "Copy" result) is held by
//!   [`CfOwned`], which `CFRelease`s it on drop; objects got by a "Get" function
//!   are [`CfRef`]s borrowed from their owner and never released;
//! - every IOKit object we own is held by [`IoObject`], `IOObjectRelease`d on drop;
//! - a value's CoreFoundation type is checked (`CFGetTypeID`) before it is read as
//!   a number, string, data or dictionary.
//!
//! What the values mean (keys, units, psutil's rules) is
//! `rpsutil_parse::macos::iokit`, tested on Linux.

use std::ffi::{c_char, c_void, CStr, CString};
use std::io;
use std::marker::PhantomData;

#[cfg(target_arch = "aarch64")]
use rpsutil_parse::macos::iokit::PmgrFreq;
use rpsutil_parse::macos::iokit::{self as rules, BatteryReading, DiskIo, PowerSource};

use crate::{Error, Result};

// ------------------------------------------------------------ declarations

/// `CFTypeRef` and the other CoreFoundation object references (`CFStringRef`,
/// `CFDictionaryRef`, ...): opaque pointers.
type CFTypeRef = *const c_void;
/// `CFIndex` (`signed long`).
type CFIndex = isize;
/// `CFTypeID` (`unsigned long`).
type CFTypeID = usize;
/// `Boolean` (`unsigned char`).
type Boolean = u8;
/// `CFStringEncoding` (`UInt32`).
type CFStringEncoding = u32;
/// `CFNumberType` (`CFIndex`).
type CFNumberType = CFIndex;
/// `io_object_t` and its aliases `io_iterator_t`, `io_registry_entry_t`,
/// `io_service_t`: a Mach port name.
type IoObjectT = libc::mach_port_t;
/// `IOOptionBits` (`UInt32`).
type IOOptionBits = u32;

/// `kCFStringEncodingUTF8` (`CFString.h`).
const K_CF_STRING_ENCODING_UTF8: CFStringEncoding = 0x0800_0100;
/// `kCFNumberSInt64Type` (`CFNumber.h`).
const K_CF_NUMBER_SINT64_TYPE: CFNumberType = 4;
/// `kCFAllocatorDefault` is a NULL `CFAllocatorRef` (`CFBase.h`: "NULL or
/// kCFAllocatorDefault" selects the default allocator), passed as NULL so no
/// data symbol has to be imported.
const K_CF_ALLOCATOR_DEFAULT: CFTypeRef = std::ptr::null();
/// `kIOMainPortDefault` / `kIOMasterPortDefault` (`IOKitLib.h`): the default
/// main port is `MACH_PORT_NULL`, which works on every release (psutil defines
/// `kIOMainPortDefault` as 0 where the SDK lacks it).
const K_IO_MAIN_PORT_DEFAULT: libc::mach_port_t = 0;
/// `kIOReturnSuccess`.
const K_IO_RETURN_SUCCESS: libc::kern_return_t = 0;
/// `IO_OBJECT_NULL`.
const IO_OBJECT_NULL: IoObjectT = 0;
/// `io_name_t` is `char[128]` (`IOKit/IOTypes.h`, via `device/device_types.h`).
#[cfg(target_arch = "aarch64")]
const IO_NAME_LEN: usize = 128;

#[link(name = "CoreFoundation", kind = "framework")]
extern "C" {
    fn CFRelease(cf: CFTypeRef);
    fn CFGetTypeID(cf: CFTypeRef) -> CFTypeID;
    fn CFDictionaryGetTypeID() -> CFTypeID;
    fn CFNumberGetTypeID() -> CFTypeID;
    fn CFStringGetTypeID() -> CFTypeID;
    fn CFArrayGetTypeID() -> CFTypeID;
    fn CFDictionaryGetValue(dict: CFTypeRef, key: *const c_void) -> *const c_void;
    fn CFNumberGetValue(number: CFTypeRef, the_type: CFNumberType, value: *mut c_void) -> Boolean;
    fn CFStringCreateWithCString(
        alloc: CFTypeRef,
        c_str: *const c_char,
        encoding: CFStringEncoding,
    ) -> CFTypeRef;
    fn CFStringGetLength(string: CFTypeRef) -> CFIndex;
    fn CFStringGetMaximumSizeForEncoding(length: CFIndex, encoding: CFStringEncoding) -> CFIndex;
    fn CFStringGetCString(
        string: CFTypeRef,
        buffer: *mut c_char,
        buffer_size: CFIndex,
        encoding: CFStringEncoding,
    ) -> Boolean;
    fn CFArrayGetCount(array: CFTypeRef) -> CFIndex;
    fn CFArrayGetValueAtIndex(array: CFTypeRef, idx: CFIndex) -> *const c_void;
}

#[link(name = "IOKit", kind = "framework")]
extern "C" {
    fn IOServiceMatching(name: *const c_char) -> CFTypeRef;
    fn IOServiceGetMatchingServices(
        main_port: libc::mach_port_t,
        matching: CFTypeRef,
        existing: *mut IoObjectT,
    ) -> libc::kern_return_t;
    fn IOIteratorNext(iterator: IoObjectT) -> IoObjectT;
    fn IOObjectRelease(object: IoObjectT) -> libc::kern_return_t;
    fn IOObjectConformsTo(object: IoObjectT, class_name: *const c_char) -> libc::boolean_t;
    fn IORegistryEntryGetParentEntry(
        entry: IoObjectT,
        plane: *const c_char,
        parent: *mut IoObjectT,
    ) -> libc::kern_return_t;
    fn IORegistryEntryCreateCFProperties(
        entry: IoObjectT,
        properties: *mut CFTypeRef,
        allocator: CFTypeRef,
        options: IOOptionBits,
    ) -> libc::kern_return_t;
    fn IOPSCopyPowerSourcesInfo() -> CFTypeRef;
    fn IOPSCopyPowerSourcesList(blob: CFTypeRef) -> CFTypeRef;
    fn IOPSGetPowerSourceDescription(blob: CFTypeRef, ps: CFTypeRef) -> CFTypeRef;
}

// Used by the arm64 `cpu_freq` only.
#[cfg(target_arch = "aarch64")]
#[link(name = "CoreFoundation", kind = "framework")]
extern "C" {
    fn CFDataGetTypeID() -> CFTypeID;
    fn CFDataGetLength(data: CFTypeRef) -> CFIndex;
    fn CFDataGetBytePtr(data: CFTypeRef) -> *const u8;
}

#[cfg(target_arch = "aarch64")]
#[link(name = "IOKit", kind = "framework")]
extern "C" {
    fn IORegistryEntryGetName(entry: IoObjectT, name: *mut c_char) -> libc::kern_return_t;
    fn IORegistryEntryCreateCFProperty(
        entry: IoObjectT,
        key: CFTypeRef,
        allocator: CFTypeRef,
        options: IOOptionBits,
    ) -> CFTypeRef;
}

// -------------------------------------------------------------- RAII guards

/// A CoreFoundation object we own (+1 retain count), released on drop.
struct CfOwned(CFTypeRef);

impl CfOwned {
    /// Takes ownership of the result of a Create/Copy function; None for NULL.
    fn new(ptr: CFTypeRef) -> Option<CfOwned> {
        (!ptr.is_null()).then_some(CfOwned(ptr))
    }

    /// A borrowed view, valid while `self` lives.
    fn get(&self) -> CfRef<'_> {
        CfRef {
            ptr: self.0,
            _owner: PhantomData,
        }
    }

    /// An object the Get rule says `self` owns (e.g. a description inside a
    /// blob), borrowed for as long as `self` lives; None for NULL.
    fn child(&self, ptr: CFTypeRef) -> Option<CfRef<'_>> {
        CfRef::borrowed(ptr)
    }

    /// A CFString of `text` (None if it has a NUL or CF refuses it).
    fn string(text: &str) -> Option<CfOwned> {
        let c = CString::new(text).ok()?;
        // SAFETY: c is NUL-terminated UTF-8; the result is a new CFString we own
        // (or NULL), released by CfOwned.
        CfOwned::new(unsafe {
            CFStringCreateWithCString(
                K_CF_ALLOCATOR_DEFAULT,
                c.as_ptr(),
                K_CF_STRING_ENCODING_UTF8,
            )
        })
    }
}

impl Drop for CfOwned {
    fn drop(&mut self) {
        // SAFETY: self.0 is a non-NULL object we own one reference to, released
        // exactly once here.
        unsafe { CFRelease(self.0) };
    }
}

/// A non-NULL CoreFoundation object borrowed from an owner that outlives `'a`
/// (the Get rule: not released by us).
#[derive(Clone, Copy)]
struct CfRef<'a> {
    ptr: CFTypeRef,
    _owner: PhantomData<&'a CfOwned>,
}

impl<'a> CfRef<'a> {
    /// A borrowed object; None for NULL.
    fn borrowed(ptr: CFTypeRef) -> Option<CfRef<'a>> {
        (!ptr.is_null()).then_some(CfRef {
            ptr,
            _owner: PhantomData,
        })
    }

    /// True if the object's type is the one `type_id` returns.
    fn is(&self, type_id: unsafe extern "C" fn() -> CFTypeID) -> bool {
        // SAFETY: self.ptr is a valid, non-NULL CF object; the *GetTypeID
        // functions take no arguments.
        unsafe { CFGetTypeID(self.ptr) == type_id() }
    }

    /// The dictionary value under the string `key`; None if `self` is not a
    /// dictionary or has no such key. Borrowed from the dictionary.
    fn value(&self, key: &str) -> Option<CfRef<'a>> {
        if !self.is(CFDictionaryGetTypeID) {
            return None;
        }
        let key = CfOwned::string(key)?;
        // SAFETY: self.ptr is a CFDictionary (checked); key is a live CFString.
        // The value is owned by the dictionary (Get rule), which outlives 'a.
        CfRef::borrowed(unsafe { CFDictionaryGetValue(self.ptr, key.0) })
    }

    /// A CFNumber's value as SInt64 (CF converts integer and float numbers; None
    /// when it reports a lossy conversion or `self` is not a number).
    fn as_i64(&self) -> Option<i64> {
        if !self.is(CFNumberGetTypeID) {
            return None;
        }
        let mut v: i64 = 0;
        // SAFETY: self.ptr is a CFNumber (checked); v is a writable SInt64, the
        // type asked for.
        let ok = unsafe {
            CFNumberGetValue(
                self.ptr,
                K_CF_NUMBER_SINT64_TYPE,
                (&mut v as *mut i64).cast(),
            )
        };
        (ok != 0).then_some(v)
    }

    /// A CFString's text (UTF-8); None if `self` is not a string.
    fn as_string(&self) -> Option<String> {
        if !self.is(CFStringGetTypeID) {
            return None;
        }
        // SAFETY: self.ptr is a CFString (checked).
        let len = unsafe { CFStringGetLength(self.ptr) };
        // SAFETY: pure computation on integers.
        let max = unsafe { CFStringGetMaximumSizeForEncoding(len, K_CF_STRING_ENCODING_UTF8) };
        let size = usize::try_from(max).ok()?.checked_add(1)?;
        let mut buf = vec![0 as c_char; size];
        // SAFETY: buf is writable for `size` bytes, the size passed; CF writes a
        // NUL-terminated string within it or fails.
        let ok = unsafe {
            CFStringGetCString(
                self.ptr,
                buf.as_mut_ptr(),
                CFIndex::try_from(size).ok()?,
                K_CF_STRING_ENCODING_UTF8,
            )
        };
        if ok == 0 {
            return None;
        }
        let bytes: Vec<u8> = buf
            .iter()
            .take_while(|&&c| c != 0)
            .map(|&c| c as u8)
            .collect();
        Some(String::from_utf8_lossy(&bytes).into_owned())
    }

    /// A CFData's bytes; None if `self` is not data.
    #[cfg(target_arch = "aarch64")]
    fn as_bytes(&self) -> Option<Vec<u8>> {
        if !self.is(CFDataGetTypeID) {
            return None;
        }
        // SAFETY: self.ptr is a CFData (checked).
        let len = usize::try_from(unsafe { CFDataGetLength(self.ptr) }).ok()?;
        if len == 0 {
            return Some(Vec::new());
        }
        // SAFETY: self.ptr is a CFData; its byte pointer is valid for `len` bytes
        // while the object lives (borrowed for 'a), and is copied out at once.
        let ptr = unsafe { CFDataGetBytePtr(self.ptr) };
        if ptr.is_null() {
            return None;
        }
        // SAFETY: see above: ptr is valid for len bytes.
        Some(unsafe { std::slice::from_raw_parts(ptr, len) }.to_vec())
    }

    /// A CFArray's items (borrowed from the array); None if `self` is
    /// not an array.
    fn items(&self) -> Option<Vec<CfRef<'a>>> {
        if !self.is(CFArrayGetTypeID) {
            return None;
        }
        // SAFETY: self.ptr is a CFArray (checked).
        let n = unsafe { CFArrayGetCount(self.ptr) };
        Some(
            (0..n.max(0))
                // SAFETY: 0 <= i < count; the value is owned by the array (Get rule).
                .filter_map(|i| CfRef::borrowed(unsafe { CFArrayGetValueAtIndex(self.ptr, i) }))
                .collect(),
        )
    }
}

/// An IOKit object we own, released on drop.
struct IoObject(IoObjectT);

impl IoObject {
    /// Takes ownership; None for `IO_OBJECT_NULL`.
    fn new(raw: IoObjectT) -> Option<IoObject> {
        (raw != IO_OBJECT_NULL).then_some(IoObject(raw))
    }

    /// The object's properties (`IORegistryEntryCreateCFProperties`), a new
    /// dictionary we own.
    fn properties(&self) -> Option<CfOwned> {
        let mut props: CFTypeRef = std::ptr::null();
        // SAFETY: self.0 is a live registry entry; props is a valid out-pointer
        // that receives a dictionary we own (Create rule) on success.
        let kr = unsafe {
            IORegistryEntryCreateCFProperties(self.0, &mut props, K_CF_ALLOCATOR_DEFAULT, 0)
        };
        if kr != K_IO_RETURN_SUCCESS {
            // Release whatever was stored despite the failure.
            drop(CfOwned::new(props));
            return None;
        }
        CfOwned::new(props)
    }

    /// One property (`IORegistryEntryCreateCFProperty`), a new object we own.
    #[cfg(target_arch = "aarch64")]
    fn property(&self, key: &str) -> Option<CfOwned> {
        let key = CfOwned::string(key)?;
        // SAFETY: self.0 is a live registry entry; key a live CFString; the
        // result is ours (Create rule) or NULL.
        CfOwned::new(unsafe {
            IORegistryEntryCreateCFProperty(self.0, key.0, K_CF_ALLOCATOR_DEFAULT, 0)
        })
    }

    /// The entry's name in the service plane (`IORegistryEntryGetName`).
    #[cfg(target_arch = "aarch64")]
    fn name(&self) -> Option<String> {
        let mut buf = [0 as c_char; IO_NAME_LEN];
        // SAFETY: buf is an io_name_t (128 chars), which the call fills with a
        // NUL-terminated name.
        let kr = unsafe { IORegistryEntryGetName(self.0, buf.as_mut_ptr()) };
        if kr != K_IO_RETURN_SUCCESS {
            return None;
        }
        buf[IO_NAME_LEN - 1] = 0;
        // SAFETY: buf is NUL-terminated (forced above).
        let name = unsafe { CStr::from_ptr(buf.as_ptr()) };
        Some(name.to_string_lossy().into_owned())
    }

    /// The entry's parent in the service plane, retained (ours).
    fn parent(&self) -> Option<IoObject> {
        let mut parent: IoObjectT = IO_OBJECT_NULL;
        // SAFETY: self.0 is a live registry entry; the plane is a NUL-terminated
        // name; parent receives a retained entry on success.
        let kr =
            unsafe { IORegistryEntryGetParentEntry(self.0, c"IOService".as_ptr(), &mut parent) };
        if kr != K_IO_RETURN_SUCCESS {
            return None;
        }
        IoObject::new(parent)
    }

    /// True if the object is an instance of `class` or a subclass.
    fn conforms_to(&self, class: &CStr) -> bool {
        // SAFETY: self.0 is a live object; class is NUL-terminated.
        unsafe { IOObjectConformsTo(self.0, class.as_ptr()) != 0 }
    }
}

impl Drop for IoObject {
    fn drop(&mut self) {
        // SAFETY: self.0 is an object we hold one reference to, released once.
        unsafe { IOObjectRelease(self.0) };
    }
}

/// Every registered service of the class `class` (`IOServiceMatching` +
/// `IOServiceGetMatchingServices`), as an iterator object.
fn matching_services(class: &CStr) -> Option<IoIter> {
    // SAFETY: class is NUL-terminated; the result is a new dictionary (or NULL)
    // whose one reference IOServiceGetMatchingServices always consumes.
    let matching = unsafe { IOServiceMatching(class.as_ptr()) };
    if matching.is_null() {
        return None;
    }
    let mut iter: IoObjectT = IO_OBJECT_NULL;
    // SAFETY: matching is a live dictionary handed over to the call (it releases
    // it, success or not); iter is a valid out-pointer.
    let kr = unsafe { IOServiceGetMatchingServices(K_IO_MAIN_PORT_DEFAULT, matching, &mut iter) };
    if kr != K_IO_RETURN_SUCCESS {
        drop(IoObject::new(iter));
        return None;
    }
    IoObject::new(iter).map(IoIter)
}

/// An `io_iterator_t` we own (released on drop through its [`IoObject`]).
struct IoIter(IoObject);

impl Iterator for IoIter {
    type Item = IoObject;

    /// `IOIteratorNext`: the next object (ours), None at the end.
    fn next(&mut self) -> Option<IoObject> {
        // SAFETY: self.0 is a live iterator; the result is retained for us.
        IoObject::new(unsafe { IOIteratorNext(self.0 .0) })
    }
}

/// psutil's RuntimeError for an IOKit failure.
fn runtime(what: &str) -> Error {
    Error::os(io::Error::other(what.to_string()), what)
}

// ---------------------------------------------------------------- disk I/O

/// Each whole disk (an IOMedia whose service-plane parent is an
/// `IOBlockStorageDriver`) with its counters, in registry order. A disk without a
/// parent, properties, BSD name or statistics fails the whole call, as psutil.
pub(crate) fn disk_io() -> Result<Vec<(String, DiskIo)>> {
    let disks =
        matching_services(c"IOMedia").ok_or_else(|| runtime("unable to get the list of disks"))?;
    let mut out = Vec::new();
    for disk in disks {
        let parent = disk
            .parent()
            .ok_or_else(|| runtime("unable to get the disk's parent"))?;
        if !parent.conforms_to(c"IOBlockStorageDriver") {
            continue;
        }
        let disk_props = disk
            .properties()
            .ok_or_else(|| runtime("unable to get the disk's properties"))?;
        let parent_props = parent
            .properties()
            .ok_or_else(|| runtime("unable to get the parent's properties"))?;
        let name = disk_props
            .get()
            .value(rules::BSD_NAME_KEY)
            .and_then(|v| v.as_string())
            .ok_or_else(|| runtime("unable to get disk name"))?;
        let stats = parent_props
            .get()
            .value(rules::STATISTICS_KEY)
            .ok_or_else(|| runtime("unable to get disk stats"))?;
        let io = rules::disk_io(|key| stats.value(key).and_then(|v| v.as_i64()));
        out.push((name, io));
    }
    Ok(out)
}

// ----------------------------------------------------------------- battery

/// The first power source's reading; None without power sources (psutil:
/// NotImplementedError → None).
pub(crate) fn battery() -> Result<Option<BatteryReading>> {
    // SAFETY: no arguments; the result is ours (Copy rule) or NULL.
    let blob = CfOwned::new(unsafe { IOPSCopyPowerSourcesInfo() })
        .ok_or_else(|| runtime("IOPSCopyPowerSourcesInfo() syscall failed"))?;
    // SAFETY: blob is the live power-sources blob; the result is ours or NULL.
    let list = CfOwned::new(unsafe { IOPSCopyPowerSourcesList(blob.0) })
        .ok_or_else(|| runtime("IOPSCopyPowerSourcesList() syscall failed"))?;
    let sources = list
        .get()
        .items()
        .ok_or_else(|| runtime("IOPSCopyPowerSourcesList() syscall failed"))?;
    let Some(first) = sources.first() else {
        return Ok(None);
    };
    // SAFETY: blob and first (an item of list) are live; the description is
    // owned by the blob (Get rule) and borrowed from it below.
    let raw = unsafe { IOPSGetPowerSourceDescription(blob.0, first.ptr) };
    let desc = blob
        .child(raw)
        .ok_or_else(|| runtime("Failed to get power source description"))?;
    let number = |key: &str| desc.value(key).and_then(|v| v.as_i64());
    let src = PowerSource {
        current_capacity: number(rules::CURRENT_CAPACITY_KEY),
        max_capacity: number(rules::MAX_CAPACITY_KEY),
        state: desc
            .value(rules::POWER_SOURCE_STATE_KEY)
            .and_then(|v| v.as_string()),
        time_to_empty: number(rules::TIME_TO_EMPTY_KEY),
    };
    rules::battery(&src)
        .map(Some)
        .map_err(|e| runtime(&e.detail))
}

// ----------------------------------------------------- arm64 CPU frequency

/// The `AppleARMIODevice` named `pmgr` (psutil `psutil_find_pmgr_entry`).
#[cfg(target_arch = "aarch64")]
fn pmgr() -> Option<IoObject> {
    matching_services(c"AppleARMIODevice")?.find(|e| e.name().as_deref() == Some("pmgr"))
}

/// psutil 7.2.2's arm64 `cpu_freq`: the `pmgr` tables. Unsupported without a
/// `pmgr` device (psutil then has no `cpu_freq` at all, #1892); bad tables are
/// psutil's RuntimeError.
#[cfg(target_arch = "aarch64")]
pub(crate) fn pmgr_freq() -> Result<PmgrFreq> {
    let entry = pmgr()
        .ok_or_else(|| Error::unsupported("cpu_freq: no 'pmgr' entry in AppleARMIODevice"))?;
    let table = |key: &str| entry.property(key).and_then(|v| v.get().as_bytes());
    let (Some(p), Some(e)) = (table(rules::PMGR_P_CORE_KEY), table(rules::PMGR_E_CORE_KEY)) else {
        return Err(runtime("invalid CPU frequency data"));
    };
    rules::pmgr_freq(&p, &e).map_err(|e| runtime(&e.detail))
}
