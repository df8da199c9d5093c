//! `net_if_stats()` duplex and speed from `SIOCGIFMEDIA`'s `ifm_active` word, as
//! psutil 7.2.2 decodes it (`arch/posix/net.c`, `psutil_get_nic_speed` and
//! `psutil_net_if_duplex_speed`), with the values of XNU `bsd/net/if_media.h`.

const IFM_NMASK: i32 = 0x0000_00e0;
/// `IFM_TMASK_COMPAT | IFM_TMASK_EXT`.
const IFM_TMASK: i32 = 0x0000_001f | 0x000f_0000;
const IFM_ETHER: i32 = 0x20;
const IFM_TOKEN: i32 = 0x40;
const IFM_IEEE80211: i32 = 0x80;
const IFM_FDX: i32 = 0x0010_0000;
const IFM_HDX: i32 = 0x0020_0000;

/// `IFM_X(x)`: extended subtypes keep bits 5-8 of `x` at bit 16
/// (`IFM_TMASK_EXT_SHIFT` 11).
const fn ifm_x(x: i32) -> i32 {
    (x & 0x1f) | ((x & (0x000f_0000 >> 11)) << 11)
}

/// psutil's speed in Mbit/s (0 when unknown: 25/40/100 GbE included).
pub fn media_speed(active: i32) -> u32 {
    let sub = active & IFM_TMASK;
    match active & IFM_NMASK {
        IFM_ETHER => match sub {
            17 => 1,                                        // IFM_HPNA_1
            3 | 4 | 5 | 12 | 13 => 10,                      // 10_T, 10_2, 10_5, 10_STP, 10_FL
            6..=10 => 100,                                  // 100_TX, _FX, _T4, _VG, _T2
            11 | 14 | 15 | 16 => 1000,                      // 1000_SX, _LX, _CX, _T (= _TX)
            18..=21 => 10000,                               // 10G_SR, _LR, _CX4, _T
            s if s == ifm_x(33) || s == ifm_x(34) => 10000, // 10G_TWINAX(_LONG)
            s if s == ifm_x(32) => 2500,                    // 2500_SX
            _ => 0,
        },
        IFM_TOKEN => match sub {
            3 | 5 => 4,   // TOK_STP4, TOK_UTP4
            4 | 6 => 16,  // TOK_STP16, TOK_UTP16
            7 | 8 => 100, // TOK_STP100, TOK_UTP100
            _ => 0,
        },
        IFM_IEEE80211 => match sub {
            3 | 8 => 1, // FH1, DS1
            4 | 5 => 2, // FH2, DS2
            6 => 5,     // DS5
            7 => 11,    // DS11
            9 => 22,    // DS22
            _ => 0,
        },
        _ => 0,
    }
}

/// psutil's duplex number: 2 full (`IFM_FDX` set), 1 half (`IFM_HDX`), 0 unknown.
pub fn media_duplex(active: i32) -> i32 {
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
    fn known_media() {
        assert_eq!(media_speed(IFM_ETHER | 16 | IFM_FDX), 1000);
        assert_eq!(media_duplex(IFM_ETHER | 16 | IFM_FDX), 2);
        assert_eq!(media_speed(IFM_ETHER | 6 | IFM_HDX), 100);
        assert_eq!(media_duplex(IFM_ETHER | 6 | IFM_HDX), 1);
        assert_eq!(media_speed(IFM_ETHER | 21), 10000);
        assert_eq!(media_speed(IFM_ETHER | 0x10000), 2500);
        assert_eq!(media_speed(IFM_ETHER | 0x10001), 10000);
        assert_eq!(media_speed(IFM_ETHER | 17), 1);
        assert_eq!(media_speed(IFM_ETHER | 23), 0); // 5000baseT: psutil does not know it
        assert_eq!(media_speed(IFM_IEEE80211 | 7), 11);
        assert_eq!(media_speed(IFM_TOKEN | 6), 16);
        assert_eq!(media_speed(0x60 | 3), 0); // FDDI
        assert_eq!(media_duplex(IFM_ETHER), 0);
    }

    proptest! {
        #[test]
        fn never_panics(a in any::<i32>()) {
            let _ = media_speed(a);
            let _ = media_duplex(a);
        }
    }
}
