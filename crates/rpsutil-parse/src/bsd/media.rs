//! `net_if_stats()` duplex and speed from the `SIOCGIFMEDIA` active media word
//! (`struct ifmediareq.ifm_active`), as psutil 7.2.2 decodes it
//! (`arch/posix/net.c`: `psutil_get_nic_speed`, `psutil_net_if_duplex_speed`).
//! psutil's table names `IFM_*` macros, so its numbers are those of the
//! `net/if_media.h` it is built against, one per OS:
//! - FreeBSD 13/14: no token ring or FDDI types; Ethernet subtypes extended
//!   with the `IFM_ETH_XTYPE` bits.
//! - OpenBSD (`if_media.h` 1.46): a 64-bit word, type in bits
//!   8-15, subtype in bits 0-7, duplex options in bits 40-41; no token ring.
//! - NetBSD 10 (`if_media.h` 1.71): FreeBSD's 32-bit layout, token ring kept,
//!   Ethernet subtypes extended by the `_IFM_ETH_XTMASK` bits, and its own
//!   numbers for the subtypes past 21.

/// `IFM_NMASK`: the network type bits.
const IFM_NMASK: i32 = 0x0000_00e0;
/// `IFM_TMASK`: the media subtype bits.
const IFM_TMASK: i32 = 0x0000_001f;
/// `IFM_ETH_XTYPE`: the extra Ethernet subtype bits (`IFM_X(32)` and up).
const IFM_ETH_XTYPE: i32 = 0x0000_7800;
const IFM_ETHER: i32 = 0x20;
const IFM_IEEE80211: i32 = 0x80;
const IFM_FDX: i32 = 0x0010_0000;
const IFM_HDX: i32 = 0x0020_0000;

/// psutil's speed in Mbit/s for FreeBSD's media word, 0 when psutil's table
/// does not know the medium (25/40/100 GbE and the extended subtypes included).
pub fn freebsd_media_speed(active: i32) -> u32 {
    match active & IFM_NMASK {
        // IFM_SUBTYPE of Ethernet: IFM_ETHER_SUBTYPE_GET, TMASK | XTYPE.
        IFM_ETHER => match active & (IFM_TMASK | IFM_ETH_XTYPE) {
            17 => 1,                   // IFM_HPNA_1
            3 | 4 | 5 | 12 | 13 => 10, // IFM_10_T, _2, _5, _STP, _FL
            6..=10 => 100,             // IFM_100_TX, _FX, _T4, _VG, _T2
            11 | 14 | 15 | 16 => 1000, // IFM_1000_SX, _LX, _CX, _T
            // IFM_10G_LR, _SR, _CX4, _TWINAX, _TWINAX_LONG, IFM_10G_T
            18 | 19 | 20 | 22 | 23 | 26 => 10000,
            21 => 2500, // IFM_2500_SX
            _ => 0,
        },
        IFM_IEEE80211 => match active & IFM_TMASK {
            3 | 5 => 1, // IFM_IEEE80211_FH1, _DS1
            4 | 6 => 2, // IFM_IEEE80211_FH2, _DS2
            7 => 5,     // IFM_IEEE80211_DS5
            8 => 11,    // IFM_IEEE80211_DS11
            9 => 22,    // IFM_IEEE80211_DS22
            _ => 0,
        },
        _ => 0,
    }
}

/// psutil's duplex number for FreeBSD's and NetBSD's 32-bit media word (the
/// same `IFM_FDX`/`IFM_HDX` bits): 2 full (`IFM_FDX` set), 1 half (`IFM_HDX`),
/// 0 unknown.
pub fn media_duplex(active: i32) -> u8 {
    if active & IFM_FDX != 0 {
        2
    } else if active & IFM_HDX != 0 {
        1
    } else {
        0
    }
}

// NetBSD 10 net/if_media.h: the same type bits and duplex options as FreeBSD
// (IFM_NMASK, IFM_TMASK, IFM_ETHER, IFM_IEEE80211 above); token ring kept.
/// NetBSD `_IFM_ETH_XTMASK`: the high Ethernet subtype bits (`IFM_SUBTYPE` of an
/// Ethernet word is `IFM_ETHER_SUBTYPE_GET`, `TMASK | _IFM_ETH_XTMASK`).
const NETBSD_IFM_ETH_XTMASK: i32 = 0x0000_e000;
const NETBSD_IFM_TOKEN: i32 = 0x40;

/// psutil's speed in Mbit/s for NetBSD's media word, 0 when psutil's table does
/// not know the medium (its `IFM_1000_BX10`, `IFM_10G_LRM`, 2.5/5GBASE-T and
/// the extended subtypes included).
pub fn netbsd_media_speed(active: i32) -> u32 {
    match active & IFM_NMASK {
        IFM_ETHER => match active & (IFM_TMASK | NETBSD_IFM_ETH_XTMASK) {
            17 => 1,                   // IFM_HPNA_1
            3 | 4 | 5 | 12 | 13 => 10, // IFM_10_T, _2, _5, _STP, _FL
            6..=10 => 100,             // IFM_100_TX, _FX, _T4, _VG, _T2
            11 | 14 | 15 | 16 => 1000, // IFM_1000_SX, _LX, _CX, _T
            // IFM_10G_LR, _SR, _CX4, _TWINAX, _TWINAX_LONG, IFM_10G_T
            18 | 19 | 20 | 23 | 24 | 26 => 10000,
            21 => 2500, // IFM_2500_SX
            _ => 0,
        },
        // psutil's token ring case, compiled where IFM_TOKEN exists (NetBSD).
        NETBSD_IFM_TOKEN => match active & IFM_TMASK {
            3 | 5 => 4,  // IFM_TOK_STP4, _UTP4
            4 | 6 => 16, // IFM_TOK_STP16, _UTP16
            _ => 0,
        },
        IFM_IEEE80211 => bsd44_wifi_speed(active & IFM_TMASK),
        _ => 0,
    }
}

/// 802.11 speeds of psutil's table with the subtype numbers OpenBSD and NetBSD
/// share (FH1 3, FH2 4, DS2 5, DS5 6, DS11 7, DS1 8, DS22 9; FreeBSD orders
/// the DS rates differently).
fn bsd44_wifi_speed(subtype: i32) -> u32 {
    match subtype {
        3 | 8 => 1, // IFM_IEEE80211_FH1, _DS1
        4 | 5 => 2, // IFM_IEEE80211_FH2, _DS2
        6 => 5,     // IFM_IEEE80211_DS5
        7 => 11,    // IFM_IEEE80211_DS11
        9 => 22,    // IFM_IEEE80211_DS22
        _ => 0,
    }
}

// OpenBSD net/if_media.h: 64-bit media words.
const OPENBSD_IFM_NMASK: u64 = 0x0000_0000_0000_ff00;
const OPENBSD_IFM_TMASK: u64 = 0x0000_0000_0000_00ff;
const OPENBSD_IFM_ETHER: u64 = 0x100;
const OPENBSD_IFM_IEEE80211: u64 = 0x400;
const OPENBSD_IFM_FDX: u64 = 0x0000_0100_0000_0000;
const OPENBSD_IFM_HDX: u64 = 0x0000_0200_0000_0000;

/// psutil's speed in Mbit/s for OpenBSD's 64-bit media word, 0 when psutil's
/// table does not know the medium (OpenBSD's 10G SFP+/LRM, 25/40/100 GbE and
/// NBASE-T subtypes included). psutil passes the word to its speed table as
/// an `int`; the type and subtype bits are all in the low 16 bits, so the
/// truncation changes nothing.
pub fn openbsd_media_speed(active: u64) -> u32 {
    let subtype = active & OPENBSD_IFM_TMASK;
    match active & OPENBSD_IFM_NMASK {
        OPENBSD_IFM_ETHER => match subtype {
            17 => 1,                    // IFM_HPNA_1
            3 | 4 | 5 | 12 | 13 => 10,  // IFM_10_T, _2, _5, _STP, _FL
            6..=10 => 100,              // IFM_100_TX, _FX, _T4, _VG, _T2
            11 | 14 | 15 | 16 => 1000,  // IFM_1000_SX, _LX, _CX, _T
            18 | 19 | 20 | 22 => 10000, // IFM_10G_LR, _SR, _CX4, IFM_10G_T
            21 => 2500,                 // IFM_2500_SX
            _ => 0,
        },
        // The subtype is at most 0xff here, so the conversion never fails.
        OPENBSD_IFM_IEEE80211 => i32::try_from(subtype).map_or(0, bsd44_wifi_speed),
        _ => 0,
    }
}

/// psutil's duplex number for OpenBSD's 64-bit media word: 2 full (`IFM_FDX`,
/// bit 40), 1 half (`IFM_HDX`, bit 41), 0 unknown. psutil tests the untruncated
/// `ifm_active` here.
pub fn openbsd_media_duplex(active: u64) -> u8 {
    if active & OPENBSD_IFM_FDX != 0 {
        2
    } else if active & OPENBSD_IFM_HDX != 0 {
        1
    } else {
        0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn ethernet() {
        // 1000baseT full duplex, with the "active" option bits psutil ignores.
        let gbe = IFM_ETHER | 16 | IFM_FDX | 0x100;
        assert_eq!(freebsd_media_speed(gbe), 1000);
        assert_eq!(media_duplex(gbe), 2);
        assert_eq!(freebsd_media_speed(IFM_ETHER | 6 | IFM_HDX), 100);
        assert_eq!(media_duplex(IFM_ETHER | 6 | IFM_HDX), 1);
        assert_eq!(freebsd_media_speed(IFM_ETHER | 26), 10000);
        assert_eq!(freebsd_media_speed(IFM_ETHER | 22), 10000);
        assert_eq!(freebsd_media_speed(IFM_ETHER | 21), 2500);
        assert_eq!(freebsd_media_speed(IFM_ETHER | 17), 1);
        assert_eq!(freebsd_media_speed(IFM_ETHER | 13), 10);
        // 10G-LRM, 40G-CR4, IFM_OTHER: not in psutil's table.
        assert_eq!(freebsd_media_speed(IFM_ETHER | 24), 0);
        assert_eq!(freebsd_media_speed(IFM_ETHER | 27), 0);
        assert_eq!(freebsd_media_speed(IFM_ETHER | 31), 0);
        // IFM_X(35) (20GBase-KR2) has low bits 3: not 10 Mbit/s.
        assert_eq!(freebsd_media_speed(IFM_ETHER | 3 | (32 << 6)), 0);
        assert_eq!(media_duplex(IFM_ETHER | 16), 0);
    }

    #[test]
    fn wireless_and_others() {
        assert_eq!(freebsd_media_speed(IFM_IEEE80211 | 8), 11);
        assert_eq!(freebsd_media_speed(IFM_IEEE80211 | 5), 1);
        assert_eq!(freebsd_media_speed(IFM_IEEE80211 | 9), 22);
        // OFDM rates: psutil does not know them.
        assert_eq!(freebsd_media_speed(IFM_IEEE80211 | 17), 0);
        // ATM and unknown types.
        assert_eq!(freebsd_media_speed(0xa0 | 7), 0);
        assert_eq!(freebsd_media_speed(0), 0);
    }

    #[test]
    fn netbsd() {
        // netbsd if_media.h 1.71: IFM_ETHER 0x20, IFM_1000_T 16, IFM_FDX 0x100000,
        // IFM_ETH_MASTER 0x100 (an option psutil ignores).
        let gbe = 0x20 | 16 | 0x0010_0000 | 0x100;
        assert_eq!(netbsd_media_speed(gbe), 1000);
        assert_eq!(media_duplex(gbe), 2);
        // IFM_100_TX half duplex (IFM_HDX 0x200000).
        assert_eq!(netbsd_media_speed(0x20 | 6 | 0x0020_0000), 100);
        assert_eq!(media_duplex(0x20 | 6 | 0x0020_0000), 1);
        assert_eq!(netbsd_media_speed(0x20 | 3), 10); // IFM_10_T
        assert_eq!(netbsd_media_speed(0x20 | 17), 1); // IFM_HPNA_1
        assert_eq!(netbsd_media_speed(0x20 | 21), 2500); // IFM_2500_SX
                                                         // IFM_10G_LR 18, _SR 19, _CX4 20, _TWINAX 23, _TWINAX_LONG 24, IFM_10G_T 26.
        for st in [18, 19, 20, 23, 24, 26] {
            assert_eq!(netbsd_media_speed(0x20 | st), 10000, "subtype {st}");
        }
        // IFM_1000_BX10 22, IFM_10G_LRM 25, IFM_2500_T 29, IFM_5000_T 30,
        // IFM_OTHER 31: not in psutil's table.
        for st in [22, 25, 29, 30, 31] {
            assert_eq!(netbsd_media_speed(0x20 | st), 0, "subtype {st}");
        }
        // _IFM_EX(35) (IFM_10G_CR1): low bits 3 plus 0x2000, not 10 Mbit/s.
        assert_eq!(netbsd_media_speed(0x20 | 3 | 0x2000), 0);
        // Token ring (IFM_TOKEN 0x40): STP4 3, STP16 4, UTP4 5, UTP16 6.
        assert_eq!(netbsd_media_speed(0x40 | 3), 4);
        assert_eq!(netbsd_media_speed(0x40 | 4), 16);
        assert_eq!(netbsd_media_speed(0x40 | 5), 4);
        assert_eq!(netbsd_media_speed(0x40 | 6), 16);
        assert_eq!(netbsd_media_speed(0x40 | 7), 0);
        // 802.11 (IFM_IEEE80211 0x80): DS1 8, DS2 5, DS5 6, DS11 7, DS22 9, FH1 3.
        assert_eq!(netbsd_media_speed(0x80 | 8), 1);
        assert_eq!(netbsd_media_speed(0x80 | 3), 1);
        assert_eq!(netbsd_media_speed(0x80 | 5), 2);
        assert_eq!(netbsd_media_speed(0x80 | 6), 5);
        assert_eq!(netbsd_media_speed(0x80 | 7), 11);
        assert_eq!(netbsd_media_speed(0x80 | 9), 22);
        assert_eq!(netbsd_media_speed(0x80 | 14), 0); // OFDM24
                                                      // FDDI (0x60), CARP (0xc0), generic (0).
        assert_eq!(netbsd_media_speed(0x60 | 3), 0);
        assert_eq!(netbsd_media_speed(0xc0), 0);
        assert_eq!(netbsd_media_speed(0), 0);
    }

    #[test]
    fn openbsd() {
        // openbsd if_media.h 1.46: IFM_ETHER 0x100, IFM_1000_T 16,
        // IFM_FDX 0x0000010000000000, IFM_ETH_MASTER 0x10000 (ignored).
        let gbe = 0x100 | 16 | 0x0000_0100_0000_0000 | 0x1_0000;
        assert_eq!(openbsd_media_speed(gbe), 1000);
        assert_eq!(openbsd_media_duplex(gbe), 2);
        // IFM_100_TX half duplex (IFM_HDX 0x0000020000000000).
        let fe = 0x100 | 6 | 0x0000_0200_0000_0000;
        assert_eq!(openbsd_media_speed(fe), 100);
        assert_eq!(openbsd_media_duplex(fe), 1);
        assert_eq!(openbsd_media_duplex(0x100 | 16), 0);
        // FreeBSD's duplex bits mean nothing in OpenBSD's word.
        assert_eq!(openbsd_media_duplex(0x100 | 16 | 0x0010_0000), 0);
        assert_eq!(openbsd_media_speed(0x100 | 13), 10); // IFM_10_FL
        assert_eq!(openbsd_media_speed(0x100 | 17), 1); // IFM_HPNA_1
        assert_eq!(openbsd_media_speed(0x100 | 21), 2500); // IFM_2500_SX
                                                           // IFM_10G_LR 18, _SR 19, _CX4 20, IFM_10G_T 22.
        for st in [18, 19, 20, 22] {
            assert_eq!(openbsd_media_speed(0x100 | st), 10000, "subtype {st}");
        }
        // IFM_10G_SFP_CU 23, IFM_40G_CR4 25, IFM_2500_T 34, IFM_100G_AOC 57.
        for st in [23, 25, 34, 57] {
            assert_eq!(openbsd_media_speed(0x100 | st), 0, "subtype {st}");
        }
        // FreeBSD's Ethernet type bits (0x20) are not OpenBSD's.
        assert_eq!(openbsd_media_speed(0x20 | 16), 0);
        // 802.11 (IFM_IEEE80211 0x400): FH1 3, FH2 4, DS2 5, DS5 6, DS11 7,
        // DS1 8, DS22 9; OFDM54 17 unknown to psutil.
        assert_eq!(openbsd_media_speed(0x400 | 3), 1);
        assert_eq!(openbsd_media_speed(0x400 | 4), 2);
        assert_eq!(openbsd_media_speed(0x400 | 5), 2);
        assert_eq!(openbsd_media_speed(0x400 | 6), 5);
        assert_eq!(openbsd_media_speed(0x400 | 7), 11);
        assert_eq!(openbsd_media_speed(0x400 | 8), 1);
        assert_eq!(openbsd_media_speed(0x400 | 9), 22);
        assert_eq!(openbsd_media_speed(0x400 | 17), 0);
        // FDDI (0x300), TDM (0x500), CARP (0x600), instance bits set.
        assert_eq!(openbsd_media_speed(0x300 | 3), 0);
        assert_eq!(openbsd_media_speed(0x500 | 3), 0);
        assert_eq!(openbsd_media_speed(0x600), 0);
        assert_eq!(openbsd_media_speed(0xff00_0000_0000_0000 | 0x100 | 6), 100);
    }

    proptest! {
        #[test]
        fn never_panics(a in any::<i32>(), w in any::<u64>()) {
            let s = freebsd_media_speed(a);
            prop_assert!(s <= 10000);
            prop_assert!(media_duplex(a) <= 2);
            prop_assert!(netbsd_media_speed(a) <= 10000);
            prop_assert!(openbsd_media_speed(w) <= 10000);
            prop_assert!(openbsd_media_duplex(w) <= 2);
        }
    }
}
