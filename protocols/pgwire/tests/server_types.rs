//! Every type round-trips through a real PostgreSQL 15 in text and binary: sent in one
//! format, read back in each, decoded to the same value; and server-made literals decode the
//! same from both formats.

mod support;

use fasterapi_pgwire::codec::Format;
use fasterapi_pgwire::types::{
    Array, Date, Decode, Encode, Interval, Json, Numeric, Time, Timestamp, TimestampTz, Uuid, oid,
};
use fasterapi_pgwire::{Event, RowBatch};
use support::{Driver, connect_trust, until_done};

const FORMATS: [Format; 2] = [Format::TEXT, Format::BINARY];

/// `SELECT $1::<type>` with `value` sent in `send`, read back in `recv`.
fn echo(
    d: &mut Driver,
    ty: u32,
    value: Option<&dyn Encode>,
    send: Format,
    recv: Format,
) -> (u32, RowBatch) {
    let mut bytes = Vec::new();
    if let Some(v) = value {
        v.encode(send, &mut bytes).unwrap();
    }
    let param = value.map(|_| bytes.as_slice());
    let sql = format!("SELECT $1::{}", type_name(ty));
    let id = d
        .machine_mut()
        .execute(&sql, &[ty], &[send], &[param], &[recv])
        .unwrap();
    let s = d.machine_mut().sync().unwrap();
    let ev = until_done(d, s);
    let mut col_type = 0;
    let mut rows = None;
    for e in ev {
        match e {
            Event::Columns { id: i, columns } if i == id => {
                assert_eq!(columns[0].format, recv);
                col_type = columns[0].type_oid;
            }
            Event::Rows { id: i, rows: r } if i == id => rows = Some(r),
            Event::Failed { error, .. } => panic!("{sql} ({send:?}->{recv:?}): {error}"),
            _ => {}
        }
    }
    (col_type, rows.expect("one row"))
}

fn type_name(ty: u32) -> &'static str {
    match ty {
        oid::BOOL => "bool",
        oid::INT2 => "int2",
        oid::INT4 => "int4",
        oid::INT8 => "int8",
        oid::FLOAT4 => "float4",
        oid::FLOAT8 => "float8",
        oid::NUMERIC => "numeric",
        oid::TEXT => "text",
        oid::VARCHAR => "varchar",
        oid::NAME => "name",
        oid::BYTEA => "bytea",
        oid::UUID => "uuid",
        oid::DATE => "date",
        oid::TIME => "time",
        oid::TIMESTAMP => "timestamp",
        oid::TIMESTAMPTZ => "timestamptz",
        oid::INTERVAL => "interval",
        oid::JSON => "json",
        oid::JSONB => "jsonb",
        oid::INT4_ARRAY => "int4[]",
        oid::TEXT_ARRAY => "text[]",
        oid::FLOAT8_ARRAY => "float8[]",
        oid::DATE_ARRAY => "date[]",
        oid::BOOL_ARRAY => "bool[]",
        oid::INT8_ARRAY => "int8[]",
        oid::UUID_ARRAY => "uuid[]",
        oid::TIMESTAMPTZ_ARRAY => "timestamptz[]",
        oid::NUMERIC_ARRAY => "numeric[]",
        oid::BYTEA_ARRAY => "bytea[]",
        other => panic!("no name for {other}"),
    }
}

/// Sends `value` in every format, reads it back in every format, and decodes it equal.
fn check<T>(d: &mut Driver, ty: u32, value: &T)
where
    T: Encode + for<'x> Decode<'x> + PartialEq + core::fmt::Debug,
{
    for send in FORMATS {
        for recv in FORMATS {
            let (col, rows) = echo(d, ty, Some(value), send, recv);
            assert_eq!(col, ty);
            let raw = rows.row(0).unwrap().get(0).unwrap();
            let got = T::decode_nullable(col, recv, raw).unwrap_or_else(|e| {
                panic!(
                    "{ty} {send:?}->{recv:?}: {e}: {:?}",
                    raw.map(String::from_utf8_lossy)
                )
            });
            assert_eq!(&got, value, "{ty} {send:?}->{recv:?}");
        }
    }
}

#[test]
fn scalars() {
    let mut d = connect_trust();
    for v in [true, false] {
        check(&mut d, oid::BOOL, &v);
    }
    for v in [0i16, -1, i16::MIN, i16::MAX] {
        check(&mut d, oid::INT2, &v);
    }
    for v in [0i32, 42, i32::MIN, i32::MAX] {
        check(&mut d, oid::INT4, &v);
    }
    for v in [0i64, -7, i64::MIN, i64::MAX] {
        check(&mut d, oid::INT8, &v);
    }
    for v in [
        0.0f32,
        -1.5,
        f32::MAX,
        f32::MIN_POSITIVE,
        1.0e-40,
        f32::INFINITY,
        f32::NEG_INFINITY,
        0.1,
    ] {
        check(&mut d, oid::FLOAT4, &v);
    }
    for v in [
        0.0f64,
        0.1,
        -2.5e300,
        f64::MIN_POSITIVE,
        f64::INFINITY,
        1.0 / 3.0,
    ] {
        check(&mut d, oid::FLOAT8, &v);
    }
    for s in [
        "0",
        "1",
        "-1.5",
        "12345678901234567890.000000000001",
        "0.0001",
        "-0.000001",
        "10000",
        "NaN",
        "Infinity",
        "-Infinity",
        "99990000",
    ] {
        check(&mut d, oid::NUMERIC, &Numeric(s.into()));
    }
    for ty in [oid::TEXT, oid::VARCHAR, oid::NAME] {
        for s in ["", "hello", "ünïcödé ✓", "with \"quotes\" and \\"] {
            check(&mut d, ty, &String::from(s));
        }
    }
    for b in [
        vec![],
        vec![0u8, 1, 255, 92, 39],
        (0..=255).collect::<Vec<u8>>(),
    ] {
        check(&mut d, oid::BYTEA, &b);
    }
    check(
        &mut d,
        oid::UUID,
        &Uuid([
            0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc, 0xde, 0xf0, 0, 1, 2, 3, 4, 5, 6, 0xff,
        ]),
    );
    // NaN compares unequal to itself: check it by hand.
    for send in FORMATS {
        for recv in FORMATS {
            let (col, rows) = echo(&mut d, oid::FLOAT8, Some(&f64::NAN), send, recv);
            let got =
                f64::decode(col, recv, rows.row(0).unwrap().get(0).unwrap().unwrap()).unwrap();
            assert!(got.is_nan());
        }
    }
}

#[test]
fn json() {
    let mut d = connect_trust();
    for ty in [oid::JSON, oid::JSONB] {
        for recv in FORMATS {
            for send in FORMATS {
                // json is sent as text in both formats; jsonb's binary has a version byte.
                let v = Json(r#"{"a": [1, 2.5, "x"]}"#);
                let mut bytes = Vec::new();
                if ty == oid::JSONB {
                    v.encode(send, &mut bytes).unwrap();
                } else {
                    v.0.encode(send, &mut bytes).unwrap();
                }
                let sql = format!("SELECT $1::{}", type_name(ty));
                d.machine_mut()
                    .execute(&sql, &[ty], &[send], &[Some(&bytes)], &[recv])
                    .unwrap();
                let s = d.machine_mut().sync().unwrap();
                let ev = until_done(&mut d, s);
                let rows = ev
                    .iter()
                    .find_map(|e| match e {
                        Event::Rows { rows, .. } => Some(rows.clone()),
                        _ => None,
                    })
                    .unwrap();
                let raw = rows.row(0).unwrap().get(0).unwrap().unwrap();
                let got = Json::decode(ty, recv, raw).unwrap();
                assert_eq!(got.0, r#"{"a": [1, 2.5, "x"]}"#, "{ty} {send:?}->{recv:?}");
            }
        }
    }
}

#[test]
fn dates_and_times() {
    let mut d = connect_trust();
    for v in [
        Date(0),
        Date(1),
        Date(-1),
        Date(8_766),
        Date(-730_120),
        Date(2_000_000),
        Date(i32::MAX),
        Date(i32::MIN),
    ] {
        check(&mut d, oid::DATE, &v);
    }
    for v in [
        Time(0),
        Time(1),
        Time(86_399_999_999),
        Time(86_400_000_000),
        Time(45_296_789_012),
    ] {
        check(&mut d, oid::TIME, &v);
    }
    for v in [
        0i64,
        1,
        -1,
        757_382_400_123_456,
        -63_082_281_600_000_000,
        100_000_000_000_000_000,
        i64::MAX,
        i64::MIN,
    ] {
        check(&mut d, oid::TIMESTAMP, &Timestamp(v));
        check(&mut d, oid::TIMESTAMPTZ, &TimestampTz(v));
    }
    for v in [
        Interval {
            months: 0,
            days: 0,
            microseconds: 0,
        },
        Interval {
            months: 14,
            days: -3,
            microseconds: 14_706_000_007,
        },
        Interval {
            months: -1,
            days: 40,
            microseconds: -1,
        },
        Interval {
            months: 1200,
            days: 0,
            microseconds: 86_400_000_000 * 3 + 5,
        },
    ] {
        check(&mut d, oid::INTERVAL, &v);
    }
    // Server-made values decode the same in both formats (zones other than UTC included).
    let id = d
        .machine_mut()
        .query("SET TIME ZONE 'Asia/Kolkata'")
        .unwrap();
    until_done(&mut d, id);
    for (sql, ty) in [
        (
            "SELECT '2024-02-29 13:14:15.5+05:30'::timestamptz",
            oid::TIMESTAMPTZ,
        ),
        (
            "SELECT '0044-03-15 12:00:00 BC'::timestamptz",
            oid::TIMESTAMPTZ,
        ),
        (
            "SELECT '1 year 2 mons 3 days 04:05:06.789'::interval",
            oid::INTERVAL,
        ),
        (
            "SELECT '-1 year -2 mons +3 days -04:05:06'::interval",
            oid::INTERVAL,
        ),
    ] {
        let mut got = Vec::new();
        for recv in FORMATS {
            d.machine_mut()
                .execute(sql, &[], &[], &[], &[recv])
                .unwrap();
            let s = d.machine_mut().sync().unwrap();
            let ev = until_done(&mut d, s);
            let rows = ev
                .iter()
                .find_map(|e| match e {
                    Event::Rows { rows, .. } => Some(rows.clone()),
                    _ => None,
                })
                .unwrap();
            let raw = rows.row(0).unwrap().get(0).unwrap().unwrap();
            got.push(match ty {
                oid::TIMESTAMPTZ => format!("{:?}", TimestampTz::decode(ty, recv, raw).unwrap()),
                _ => format!("{:?}", Interval::decode(ty, recv, raw).unwrap()),
            });
        }
        assert_eq!(got[0], got[1], "{sql}");
    }
}

#[test]
fn arrays_and_nulls() {
    let mut d = connect_trust();
    let ints = [Some(1i32), None, Some(-3), Some(i32::MAX)];
    check_array(&mut d, oid::INT4, &ints);
    check_array(&mut d, oid::INT4, &[] as &[Option<i32>]);
    check_array(&mut d, oid::INT8, &[Some(i64::MIN), None]);
    let texts = [
        Some("a".to_owned()),
        None,
        Some("with, comma".into()),
        Some("q\"uote\\".into()),
        Some("NULL".into()),
        Some(String::new()),
    ];
    check_array(&mut d, oid::TEXT, &texts);
    check_array(&mut d, oid::FLOAT8, &[Some(1.5f64), Some(-0.25), None]);
    check_array(&mut d, oid::BOOL, &[Some(true), Some(false), None]);
    check_array(
        &mut d,
        oid::DATE,
        &[Some(Date(1)), None, Some(Date(-800_000))],
    );
    check_array(
        &mut d,
        oid::TIMESTAMPTZ,
        &[Some(TimestampTz(123_456_789)), None],
    );
    check_array(&mut d, oid::UUID, &[Some(Uuid([7; 16])), None]);
    check_array(
        &mut d,
        oid::NUMERIC,
        &[
            Some(Numeric("1.25".into())),
            None,
            Some(Numeric("-100".into())),
        ],
    );
    check_array(&mut d, oid::BYTEA, &[Some(vec![0u8, 255]), None]);
    // NULL of every scalar type, both formats.
    for ty in [
        oid::BOOL,
        oid::INT4,
        oid::TEXT,
        oid::BYTEA,
        oid::UUID,
        oid::DATE,
        oid::TIMESTAMPTZ,
        oid::INTERVAL,
        oid::NUMERIC,
        oid::JSONB,
    ] {
        for f in FORMATS {
            let (_, rows) = echo(&mut d, ty, None, f, f);
            assert_eq!(rows.row(0).unwrap().get(0), Some(None), "NULL {ty}");
        }
    }
}

fn check_array<T>(d: &mut Driver, elem: u32, items: &[Option<T>])
where
    T: Encode + for<'x> Decode<'x> + PartialEq + core::fmt::Debug,
{
    let arr = Array {
        elem_oid: elem,
        items,
    };
    let ty = oid::array_of(elem).unwrap();
    for send in FORMATS {
        for recv in FORMATS {
            let (col, rows) = echo(d, ty, Some(&arr), send, recv);
            let raw = rows.row(0).unwrap().get(0).unwrap().unwrap();
            let got = Vec::<Option<T>>::decode(col, recv, raw).unwrap_or_else(|e| {
                panic!(
                    "{ty} {send:?}->{recv:?}: {e}: {:?}",
                    String::from_utf8_lossy(raw)
                )
            });
            assert_eq!(got.as_slice(), items, "{ty} {send:?}->{recv:?}");
        }
    }
}
