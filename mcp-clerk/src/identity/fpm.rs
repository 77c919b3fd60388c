//! Decoding of Clerk's v2 organization permission claims (`fea`, `o.per`, `o.fpm`).
//!
//! Clerk packs an organization member's permissions into three claims:
//! `fea` lists features with a scope prefix (`u:`, `o:`, `ou:`/`uo:`), `o.per`
//! lists permission names, and `o.fpm` holds one decimal bitmask per
//! organization-scoped feature. Bit `k` of mask `i` set means the member holds
//! `org:<feature i>:<per[k]>`.
//!
//! This follows Clerk's JavaScript SDK (`jwtPayloadParser.ts`), not the docs,
//! where the two disagree: mask `i` belongs to the `i`-th *organization-scoped*
//! feature. Masks are decoded as arbitrary-precision integers (they can exceed
//! 2^64), bits beyond the permission list are ignored, and any malformed mask
//! makes the whole claim decode to no permissions (fail closed).

/// Decodes the permissions of the active organization.
///
/// Returns the permission keys (`org:<feature>:<permission>`) in feature order.
/// A missing `fea`, `per` or `fpm`, or any malformed mask, yields no
/// permissions.
pub(crate) fn decode_permissions(
    fea: Option<&str>,
    per: Option<&str>,
    fpm: Option<&str>,
) -> Vec<String> {
    let (Some(fea), Some(per), Some(fpm)) = (fea, per, fpm) else {
        return Vec::new();
    };
    let features = org_features(fea);
    let permissions: Vec<&str> = split_list(per).collect();
    let mut masks = Vec::new();
    for raw in split_list(fpm) {
        match DecimalBits::parse(raw) {
            Some(mask) => masks.push(mask),
            None => return Vec::new(),
        }
    }
    let mut out = Vec::new();
    for (feature, mask) in features.iter().zip(masks.iter()) {
        for (bit, permission) in permissions.iter().enumerate() {
            if mask.bit(bit) {
                out.push(format!("org:{feature}:{permission}"));
            }
        }
    }
    out
}

/// The organization-scoped features of a `fea` claim, in order.
fn org_features(fea: &str) -> Vec<&str> {
    split_list(fea)
        .filter_map(|entry| {
            let (scope, feature) = entry.split_once(':')?;
            let org_scoped = matches!(scope, "o" | "ou" | "uo");
            (org_scoped && !feature.is_empty()).then_some(feature)
        })
        .collect()
}

fn split_list(list: &str) -> impl Iterator<Item = &str> {
    list.split(',').map(str::trim).filter(|s| !s.is_empty())
}

/// A non-negative decimal integer of any size, as little-endian 32-bit limbs.
#[derive(Debug, PartialEq, Eq)]
struct DecimalBits {
    limbs: Vec<u32>,
}

impl DecimalBits {
    /// Parses a plain decimal integer (`0`-`9` only). Signs, fractions,
    /// exponents, whitespace inside and empty strings are rejected.
    fn parse(text: &str) -> Option<Self> {
        if text.is_empty() || text.len() > 4096 || !text.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let mut limbs: Vec<u32> = Vec::new();
        for digit in text.bytes().map(|b| u64::from(b - b'0')) {
            let mut carry = digit;
            for limb in &mut limbs {
                let value = u64::from(*limb) * 10 + carry;
                *limb = value as u32;
                carry = value >> 32;
            }
            if carry != 0 {
                limbs.push(carry as u32);
            }
        }
        Some(Self { limbs })
    }

    fn bit(&self, index: usize) -> bool {
        self.limbs
            .get(index / 32)
            .is_some_and(|limb| limb >> (index % 32) & 1 == 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode(fea: &str, per: &str, fpm: &str) -> Vec<String> {
        decode_permissions(Some(fea), Some(per), Some(fpm))
    }

    #[test]
    fn clerk_documented_example() {
        assert_eq!(
            decode("o:dashboard,o:teams", "manage,read", "3,2"),
            [
                "org:dashboard:manage",
                "org:dashboard:read",
                "org:teams:read"
            ]
        );
    }

    #[test]
    fn table() {
        let cases: &[(&str, &str, &str, &[&str])] = &[
            // user-only features are skipped when pairing masks with features
            (
                "u:billing,o:dashboard",
                "read",
                "1",
                &["org:dashboard:read"],
            ),
            ("o:a,u:b,o:c", "x,y", "1,2", &["org:a:x", "org:c:y"]),
            // both-scoped features count as organization features
            ("ou:a,uo:b", "x", "1,1", &["org:a:x", "org:b:x"]),
            // bits beyond the permission list are ignored
            ("o:a", "x", "255", &["org:a:x"]),
            // zero mask, fewer masks than features
            ("o:a,o:b", "x", "0", &[]),
            ("o:a,o:b", "x", "1", &["org:a:x"]),
            // surrounding spaces are tolerated
            (
                " o:a , o:b ",
                " x , y ",
                " 2 , 3 ",
                &["org:a:y", "org:b:x", "org:b:y"],
            ),
            // malformed masks fail closed, for every feature
            ("o:a,o:b", "x", "1,-1", &[]),
            ("o:a", "x", "1.5", &[]),
            ("o:a", "x", "1x", &[]),
            ("o:a", "x", "+1", &[]),
            ("o:a", "x", "0x1", &[]),
            ("o:a", "x", "1e3", &[]),
            // entries without a scope prefix are not features
            ("dashboard,o:a", "x", "1", &["org:a:x"]),
        ];
        for (fea, per, fpm, want) in cases {
            assert_eq!(
                decode(fea, per, fpm),
                *want,
                "fea={fea} per={per} fpm={fpm}"
            );
        }
    }

    #[test]
    fn missing_claims_give_no_permissions() {
        assert!(decode_permissions(None, Some("x"), Some("1")).is_empty());
        assert!(decode_permissions(Some("o:a"), None, Some("1")).is_empty());
        assert!(decode_permissions(Some("o:a"), Some("x"), None).is_empty());
    }

    #[test]
    fn masks_above_two_to_the_64() {
        // 2^64 + 1: bits 0 and 64.
        let per: Vec<String> = (0..65).map(|i| format!("p{i}")).collect();
        let got = decode("o:a", &per.join(","), "18446744073709551617");
        assert_eq!(got, ["org:a:p0", "org:a:p64"]);
        // 2^100: only bit 100.
        let per: Vec<String> = (0..101).map(|i| format!("p{i}")).collect();
        let got = decode("o:a", &per.join(","), "1267650600228229401496703205376");
        assert_eq!(got, ["org:a:p100"]);
        // 2^53 + 1 would lose its low bit as an f64.
        let per: Vec<String> = (0..54).map(|i| format!("p{i}")).collect();
        let got = decode("o:a", &per.join(","), "9007199254740993");
        assert_eq!(got, ["org:a:p0", "org:a:p53"]);
    }

    #[test]
    fn big_decimal_parser() {
        assert_eq!(DecimalBits::parse("0").unwrap().limbs, Vec::<u32>::new());
        assert_eq!(DecimalBits::parse("4294967296").unwrap().limbs, vec![0, 1]);
        assert!(DecimalBits::parse("").is_none());
        assert!(DecimalBits::parse(&"9".repeat(5000)).is_none());
    }
}

#[cfg(test)]
mod proptests {
    //! Hostile `fea`/`per`/`fpm` claims: never a panic, only permissions built
    //! from the given names, fail closed on any malformed mask, and the
    //! big-integer decoding agrees with an independent decimal halving.

    use super::*;
    use proptest::prelude::*;

    use crate::test_support::proptest_config;

    /// A list entry: plausible names, scope prefixes, separators, unicode.
    fn entry() -> impl Strategy<Value = String> {
        prop_oneof![
            "(o|u|ou|uo|x|O|)?:?[a-z_:]{0,6}",
            " *[0-9]{0,3} *",
            "\\PC{0,8}",
            any::<String>().prop_map(|s| s.chars().take(12).collect()),
        ]
    }

    fn list() -> impl Strategy<Value = String> {
        (
            prop::collection::vec(entry(), 0..6),
            prop_oneof![Just(","), Just(" , "), Just(",,")],
        )
            .prop_map(|(items, sep)| items.join(sep))
    }

    /// A mask: small and huge numbers, and every kind of malformed one.
    fn mask() -> impl Strategy<Value = String> {
        prop_oneof![
            3 => any::<u128>().prop_map(|n| n.to_string()),
            2 => "[0-9]{1,200}",
            1 => "0*[0-9]{1,40}",
            1 => any::<i64>().prop_map(|n| n.to_string()),
            1 => "[0-9]{4090,4100}",
            1 => prop_oneof![
                Just("1.5".to_owned()),
                Just("1e3".to_owned()),
                Just("0x1".to_owned()),
                Just("+1".to_owned()),
                Just("-0".to_owned()),
                Just("١".to_owned()), // Arabic-Indic digit one
                Just("1 2".to_owned()),
                Just("NaN".to_owned()),
            ],
            1 => "\\PC{0,6}",
        ]
    }

    fn masks() -> impl Strategy<Value = String> {
        prop::collection::vec(mask(), 0..5).prop_map(|m| m.join(","))
    }

    /// The organization features and permission names the claims define,
    /// read independently of the decoder.
    fn names(fea: &str, per: &str) -> (Vec<String>, Vec<String>) {
        let features = fea
            .split(',')
            .filter_map(|e| {
                let (scope, f) = e.trim().split_once(':')?;
                (["o", "ou", "uo"].contains(&scope) && !f.is_empty()).then(|| f.to_owned())
            })
            .collect();
        let permissions = per
            .split(',')
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .map(str::to_owned)
            .collect();
        (features, permissions)
    }

    /// The bits of a decimal string, lowest first, by repeated halving.
    fn bits_by_halving(decimal: &str) -> Vec<bool> {
        let mut digits: Vec<u8> = decimal.bytes().map(|b| b - b'0').collect();
        let mut bits = Vec::new();
        while digits.iter().any(|&d| d != 0) {
            let mut rest = 0u8;
            for d in &mut digits {
                let cur = rest * 10 + *d;
                *d = cur / 2;
                rest = cur % 2;
            }
            bits.push(rest == 1);
        }
        bits
    }

    proptest! {
        #![proptest_config(proptest_config(256))]

        #[test]
        fn hostile_claims_never_panic_and_only_name_given_permissions(
            fea in list(),
            per in list(),
            fpm in prop_oneof![masks(), list()],
        ) {
            let got = decode_permissions(Some(&fea), Some(&per), Some(&fpm));
            let (features, permissions) = names(&fea, &per);
            for p in &got {
                prop_assert!(
                    features.iter().any(|f| permissions
                        .iter()
                        .any(|q| *p == format!("org:{f}:{q}"))),
                    "{p:?} is not org:<feature>:<permission> from fea={fea:?} per={per:?}"
                );
            }
            prop_assert!(got.len() <= features.len() * permissions.len());
            let malformed = fpm
                .split(',')
                .map(str::trim)
                .filter(|m| !m.is_empty())
                .any(|m| m.len() > 4096 || !m.bytes().all(|b| b.is_ascii_digit()));
            if malformed {
                prop_assert!(got.is_empty(), "malformed fpm={fpm:?} must fail closed: {got:?}");
            }
        }

        #[test]
        fn masks_decode_like_decimal_halving(
            n_features in 1usize..4,
            n_permissions in 0usize..700,
            masks in prop::collection::vec("[0-9]{1,200}", 1..4),
        ) {
            let fea: Vec<String> = (0..n_features).map(|i| format!("o:f{i}")).collect();
            let per: Vec<String> = (0..n_permissions).map(|i| format!("p{i}")).collect();
            let got = decode_permissions(
                Some(&fea.join(",")),
                Some(&per.join(",")),
                Some(&masks.join(",")),
            );
            let mut want = Vec::new();
            for (i, mask) in masks.iter().enumerate().take(n_features) {
                let bits = bits_by_halving(mask);
                for (k, p) in per.iter().enumerate() {
                    if bits.get(k).copied().unwrap_or(false) {
                        want.push(format!("org:f{i}:{p}"));
                    }
                }
            }
            prop_assert_eq!(got, want);
        }
    }
}
