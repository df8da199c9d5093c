//! `net_if_stats()` duplex and speed from FreeBSD's `SIOCGIFMEDIA` active media
//! word (`struct ifmediareq.ifm_active`), as psutil 7.2.2 decodes it
//! (`arch/posix/net.c`: `psutil_get_nic_speed`, `psutil_net_if_duplex_speed`)
//! when built against FreeBSD's `net/if_media.h` (13/14: no token ring or FDDI
//! types; Ethernet subtypes extended with the `IFM_ETH_XTYPE` bits).

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

/// psutil's duplex number: 2 full (`IFM_FDX` set), 1 half (`IFM_HDX`), 0 unknown.
pub fn media_duplex(active: i32) -> u8 {
    if active & IFM_FDX != 0 {
        2
    } else if active & IFM_HDX != 0 {
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

    proptest! {
        #[test]
        fn never_panics(a in any::<i32>()) {
            let s = freebsd_media_speed(a);
            prop_assert!(s <= 10000);
            prop_assert!(media_duplex(a) <= 2);
        }
    }
}
