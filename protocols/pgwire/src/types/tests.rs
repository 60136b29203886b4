extern crate std;

use alloc::string::String;
use alloc::vec;
use alloc::vec::Vec;

use proptest::prelude::*;

use super::*;

fn round_trip<T>(v: &T, ty: u32)
where
    T: Encode + for<'x> Decode<'x> + PartialEq + fmt::Debug,
{
    for f in [Format::TEXT, Format::BINARY] {
        let mut b = Vec::new();
        v.encode(f, &mut b).unwrap();
        assert_eq!(
            &T::decode(ty, f, &b).unwrap(),
            v,
            "{f:?} {:?}",
            String::from_utf8_lossy(&b)
        );
    }
}

proptest! {
    #[test]
    fn scalars_round_trip(b in any::<bool>(), i2 in any::<i16>(), i4 in any::<i32>(), i8 in any::<i64>(),
                          f4 in any::<f32>().prop_filter("nan", |f| !f.is_nan()),
                          f8 in any::<f64>().prop_filter("nan", |f| !f.is_nan()), u in any::<[u8; 16]>()) {
        round_trip(&b, oid::BOOL);
        round_trip(&i2, oid::INT2);
        round_trip(&i4, oid::INT4);
        round_trip(&i8, oid::INT8);
        round_trip(&f4, oid::FLOAT4);
        round_trip(&f8, oid::FLOAT8);
        round_trip(&Uuid(u), oid::UUID);
    }

    #[test]
    fn dates_and_times_round_trip(d in -1_000_000i32..3_000_000, t in 0i64..=86_400_000_000,
                                  ts in -200_000_000_000_000_000i64..200_000_000_000_000_000,
                                  months in any::<i32>(), days in any::<i32>(), us in -1i64<<60..1i64<<60) {
        round_trip(&Date(d), oid::DATE);
        round_trip(&Time(t), oid::TIME);
        round_trip(&Timestamp(ts), oid::TIMESTAMP);
        round_trip(&TimestampTz(ts), oid::TIMESTAMPTZ);
        // Binary is exact for any interval; text is checked against the server.
        let iv = Interval { months, days, microseconds: us };
        let mut b = Vec::new();
        iv.encode(Format::BINARY, &mut b).unwrap();
        prop_assert_eq!(Interval::decode(oid::INTERVAL, Format::BINARY, &b).unwrap(), iv);
        prop_assert!(datetime::civil_round_trip(i64::from(d)));
    }

    #[test]
    fn numeric_binary_round_trips(int in "[1-9][0-9]{0,20}|0", frac in "[0-9]{0,12}", neg in any::<bool>()) {
        let mut s = String::new();
        if neg && int != "0" { s.push('-'); }
        s.push_str(&int);
        if !frac.is_empty() { s.push('.'); s.push_str(&frac); }
        round_trip(&Numeric(s), oid::NUMERIC);
    }

    #[test]
    fn arrays_round_trip(v in proptest::collection::vec(proptest::option::of(any::<i32>()), 0..10),
                         s in proptest::collection::vec(proptest::option::of("[ -~]{0,6}"), 0..6)) {
        for f in [Format::TEXT, Format::BINARY] {
            let mut b = Vec::new();
            Array { elem_oid: oid::INT4, items: &v }.encode(f, &mut b).unwrap();
            prop_assert_eq!(&Vec::<Option<i32>>::decode(oid::INT4_ARRAY, f, &b).unwrap(), &v);
            let mut b = Vec::new();
            Array { elem_oid: oid::TEXT, items: &s }.encode(f, &mut b).unwrap();
            prop_assert_eq!(&Vec::<Option<String>>::decode(oid::TEXT_ARRAY, f, &b).unwrap(), &s);
        }
    }

    #[test]
    fn decoders_never_panic(ty in prop::sample::select(vec![16u32, 17, 20, 21, 23, 25, 114, 700, 701,
        1082, 1083, 1114, 1184, 1186, 1700, 2950, 3802, 1007, 1009]), raw in proptest::collection::vec(any::<u8>(), 0..40)) {
        for f in [Format::TEXT, Format::BINARY] {
            let _ = bool::decode(ty, f, &raw);
            let _ = i64::decode(ty, f, &raw);
            let _ = f64::decode(ty, f, &raw);
            let _ = Vec::<u8>::decode(ty, f, &raw);
            let _ = Numeric::decode(ty, f, &raw);
            let _ = Date::decode(ty, f, &raw);
            let _ = Timestamp::decode(ty, f, &raw);
            let _ = TimestampTz::decode(ty, f, &raw);
            let _ = Interval::decode(ty, f, &raw);
            let _ = Uuid::decode(ty, f, &raw);
            let _ = Json::decode(ty, f, &raw);
            let _ = Vec::<Option<i32>>::decode(ty, f, &raw);
            let _ = Vec::<Option<String>>::decode(ty, f, &raw);
        }
    }
}

#[test]
fn known_text_forms() {
    assert_eq!(
        Date::decode(oid::DATE, Format::TEXT, b"2000-01-02").unwrap(),
        Date(1)
    );
    assert_eq!(
        Date::decode(oid::DATE, Format::TEXT, b"0001-12-31 BC").unwrap(),
        Date(-730_120)
    );
    assert_eq!(
        TimestampTz::decode(oid::TIMESTAMPTZ, Format::TEXT, b"2000-01-01 01:00:00+01").unwrap(),
        TimestampTz(0)
    );
    assert_eq!(
        Interval::decode(oid::INTERVAL, Format::TEXT, b"P1Y2M3DT-4H5M6.5S").unwrap(),
        Interval {
            months: 14,
            days: 3,
            microseconds: -4 * 3_600_000_000 + 5 * 60_000_000 + 6_500_000
        }
    );
    assert_eq!(
        Interval::decode(oid::INTERVAL, Format::TEXT, b"PT0S").unwrap(),
        Interval {
            months: 0,
            days: 0,
            microseconds: 0
        }
    );
    assert_eq!(
        Vec::<u8>::decode(oid::BYTEA, Format::TEXT, b"\\x00ff").unwrap(),
        vec![0, 255]
    );
    assert_eq!(
        Json::decode(oid::JSONB, Format::BINARY, b"\x01{}").unwrap(),
        Json("{}")
    );
    assert_eq!(
        i64::decode(oid::INT2, Format::BINARY, &5i16.to_be_bytes()).unwrap(),
        5,
        "widening"
    );
    assert_eq!(
        i16::decode(oid::INT8, Format::BINARY, &5i64.to_be_bytes()),
        Err(TypeError::WrongType(oid::INT8))
    );
    assert_eq!(
        Option::<i32>::decode_nullable(oid::INT4, Format::TEXT, None).unwrap(),
        None
    );
    assert_eq!(
        i32::decode_nullable(oid::INT4, Format::TEXT, None),
        Err(TypeError::UnexpectedNull)
    );
    assert_eq!(
        Numeric::decode(
            oid::NUMERIC,
            Format::BINARY,
            &[0, 1, 0, 0, 0, 0, 0, 2, 0, 12]
        )
        .unwrap(),
        Numeric("12.00".into())
    );
}
