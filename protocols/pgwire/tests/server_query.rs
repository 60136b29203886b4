//! Queries against a real PostgreSQL 15: simple and extended query, pipelines with an error in
//! the middle, COPY both ways, NOTIFY, cancel, and the statement cache.

mod support;

use core::time::Duration;

use fasterapi_pgwire::codec::{Format, TransactionStatus};
use fasterapi_pgwire::{Event, SqlState};
use support::{connect_trust, simple, text_rows, until_done};

fn failed_code(events: &[Event]) -> Option<SqlState> {
    events.iter().find_map(|e| match e {
        Event::Failed { error, .. } => Some(error.code()),
        _ => None,
    })
}

#[test]
fn simple_query_with_several_statements() {
    let mut d = connect_trust();
    let ev = simple(
        &mut d,
        "SELECT 1 AS a, NULL::text AS b; SELECT generate_series(1,3); ;",
    );
    let tags: Vec<_> = ev
        .iter()
        .filter_map(|e| match e {
            Event::CommandComplete { tag, .. } => Some(tag.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(tags, ["SELECT 1", "SELECT 3"]);
    assert_eq!(
        text_rows(&ev),
        vec![
            vec![Some("1".into()), None],
            vec![Some("1".into())],
            vec![Some("2".into())],
            vec![Some("3".into())]
        ]
    );
    let cols: Vec<_> = ev
        .iter()
        .filter_map(|e| match e {
            Event::Columns { columns, .. } => {
                Some(columns.iter().map(|c| c.name.clone()).collect::<Vec<_>>())
            }
            _ => None,
        })
        .collect();
    assert_eq!(cols[0], ["a", "b"]);
    let ev = simple(&mut d, "");
    assert!(ev.iter().any(|e| matches!(e, Event::EmptyQuery { .. })));
    // An error stops the rest of the string; the session goes on.
    let ev = simple(&mut d, "SELECT 1; SELECT 1/0; SELECT 2");
    assert_eq!(failed_code(&ev), Some(SqlState::DIVISION_BY_ZERO));
    assert_eq!(text_rows(&ev), vec![vec![Some("1".into())]]);
    let ev = simple(&mut d, "SELECT 'still alive'");
    assert_eq!(text_rows(&ev), vec![vec![Some("still alive".into())]]);
}

#[test]
fn pipeline_with_an_error_in_the_middle() {
    let mut d = connect_trust();
    simple(&mut d, "CREATE TEMP TABLE p (v int PRIMARY KEY)");
    let m = d.machine_mut();
    let one: &[u8] = b"1";
    let a = m
        .execute(
            "INSERT INTO p VALUES ($1::int)",
            &[],
            &[],
            &[Some(one)],
            &[],
        )
        .unwrap();
    let b = m
        .execute(
            "INSERT INTO p VALUES ($1::int)",
            &[],
            &[],
            &[Some(one)],
            &[],
        )
        .unwrap(); // duplicate
    let c = m
        .execute("INSERT INTO p VALUES (2)", &[], &[], &[], &[])
        .unwrap();
    let s1 = m.sync().unwrap();
    let e = m
        .execute("SELECT count(*) FROM p", &[], &[], &[], &[])
        .unwrap();
    let s2 = m.sync().unwrap();
    // Everything was sent before reading anything.
    let ev = until_done(&mut d, s2);
    let ends: Vec<(u64, &str)> = ev
        .iter()
        .filter_map(|ev| match ev {
            Event::Done { id, .. } => Some((*id, "done")),
            Event::Failed { id, error } => {
                assert_eq!(error.code(), SqlState::UNIQUE_VIOLATION);
                Some((*id, "failed"))
            }
            Event::Aborted { id } => Some((*id, "aborted")),
            _ => None,
        })
        .collect();
    assert_eq!(
        ends,
        [
            (a, "done"),
            (b, "failed"),
            (c, "aborted"),
            (s1, "done"),
            (e, "done"),
            (s2, "done")
        ]
    );
    // The row count belongs to `e`, and the failed transaction was rolled back.
    let rows: Vec<_> = ev
        .iter()
        .filter_map(|x| match x {
            Event::Rows { id, rows } => Some((
                *id,
                rows.row(0).unwrap().get(0).unwrap().map(<[u8]>::to_vec),
            )),
            _ => None,
        })
        .collect();
    assert_eq!(rows, [(e, Some(b"0".to_vec()))]);
    assert_eq!(d.machine().transaction_status(), TransactionStatus::Idle);
}

#[test]
fn extended_steps_by_hand() {
    let mut d = connect_trust();
    let m = d.machine_mut();
    let p = m
        .parse("st", "SELECT $1::int + 1, $2::text", &[23, 25])
        .unwrap();
    let ds = m.describe_statement("st").unwrap();
    let b = m
        .bind(
            "po",
            "st",
            &[Format::BINARY, Format::TEXT],
            &[Some(&41i32.to_be_bytes()), Some(b"x")],
            &[Format::BINARY, Format::TEXT],
        )
        .unwrap();
    let dp = m.describe_portal("po").unwrap();
    let ex = m.execute_portal("po", 0).unwrap();
    let cl = m
        .close_target(fasterapi_pgwire::codec::Target::Statement, "st")
        .unwrap();
    let s = m.sync().unwrap();
    let ev = until_done(&mut d, s);
    let done: Vec<u64> = ev
        .iter()
        .filter_map(|e| match e {
            Event::Done { id, .. } => Some(*id),
            _ => None,
        })
        .collect();
    assert_eq!(done, [p, ds, b, dp, ex, cl, s]);
    let described = ev.iter().find_map(|e| match e {
        Event::Described {
            params, columns, ..
        } => Some((params.clone(), columns.len())),
        _ => None,
    });
    assert_eq!(described, Some((vec![23, 25], 2)));
    let row = ev
        .iter()
        .find_map(|e| match e {
            Event::Rows { rows, .. } => Some(rows.clone()),
            _ => None,
        })
        .unwrap();
    assert_eq!(
        row.row(0).unwrap().get(0).unwrap(),
        Some(&42i32.to_be_bytes()[..])
    );
    assert_eq!(row.row(0).unwrap().get(1).unwrap(), Some(&b"x"[..]));
}

#[test]
fn portal_suspends_at_max_rows() {
    let mut d = connect_trust();
    simple(&mut d, "BEGIN");
    let m = d.machine_mut();
    m.parse("", "SELECT generate_series(1,5)", &[]).unwrap();
    m.bind("cur", "", &[], &[], &[]).unwrap();
    let e1 = m.execute_portal("cur", 2).unwrap();
    let e2 = m.execute_portal("cur", 0).unwrap();
    let s = m.sync().unwrap();
    let ev = until_done(&mut d, s);
    assert!(
        ev.iter()
            .any(|e| matches!(e, Event::Suspended { id } if *id == e1))
    );
    assert!(ev.iter().any(
        |e| matches!(e, Event::CommandComplete { id, tag } if *id == e2 && tag == "SELECT 3")
    ));
    assert_eq!(text_rows(&ev).len(), 5);
    simple(&mut d, "COMMIT");
}

#[test]
fn copy_in_and_out() {
    let mut d = connect_trust();
    simple(&mut d, "CREATE TEMP TABLE c (a int, b text)");
    let id = d.machine_mut().query("COPY c FROM STDIN").unwrap();
    let ev = d.next_event().unwrap().unwrap();
    assert!(
        matches!(ev, Event::CopyIn { id: i, format: 0, .. } if i == id),
        "{ev:?}"
    );
    let m = d.machine_mut();
    m.copy_data(b"1\tone\n2\t").unwrap();
    m.copy_data(b"two\n3\t\\N\n").unwrap();
    m.copy_done().unwrap();
    let ev = until_done(&mut d, id);
    assert!(
        ev.iter()
            .any(|e| matches!(e, Event::CommandComplete { tag, .. } if tag == "COPY 3"))
    );

    let id = d
        .machine_mut()
        .query("COPY (SELECT * FROM c ORDER BY a) TO STDOUT")
        .unwrap();
    let ev = until_done(&mut d, id);
    let mut data = Vec::new();
    for e in &ev {
        if let Event::CopyData { data: chunk, .. } = e {
            data.extend_from_slice(chunk);
        }
    }
    assert_eq!(data, b"1\tone\n2\ttwo\n3\t\\N\n");
    assert!(ev.iter().any(|e| matches!(e, Event::CopyOut { .. })));
    assert!(ev.iter().any(|e| matches!(e, Event::CopyDone { .. })));

    // CopyFail aborts with the server's error; the session goes on.
    let id = d.machine_mut().query("COPY c FROM STDIN").unwrap();
    assert!(matches!(
        d.next_event().unwrap().unwrap(),
        Event::CopyIn { .. }
    ));
    d.machine_mut().copy_data(b"9\tnine\n").unwrap();
    d.machine_mut().copy_fail("client gave up").unwrap();
    let ev = until_done(&mut d, id);
    assert!(
        matches!(failed_code(&ev), Some(c) if c.as_str() == "57014"),
        "{ev:?}"
    );
    assert_eq!(d.machine().pending_requests(), 0);
    let ev = simple(&mut d, "SELECT count(*) FROM c");
    assert_eq!(text_rows(&ev), vec![vec![Some("3".into())]]);

    // COPY FROM STDIN through the extended protocol, with the Sync already sent behind it.
    let id = d
        .machine_mut()
        .execute("COPY c FROM STDIN", &[], &[], &[], &[])
        .unwrap();
    let s = d.machine_mut().sync().unwrap();
    loop {
        if let Event::CopyIn { .. } = d.next_event().unwrap().unwrap() {
            break;
        }
    }
    d.machine_mut().copy_data(b"4\tfour\n").unwrap();
    d.machine_mut().copy_done().unwrap();
    let ev = until_done(&mut d, s);
    assert!(ev.iter().any(
        |e| matches!(e, Event::CommandComplete { id: i, tag } if *i == id && tag == "COPY 1")
    ));
}

#[test]
fn notify_between_sessions_and_notices() {
    let mut listener = connect_trust();
    simple(&mut listener, "LISTEN chan");
    let mut talker = connect_trust();
    simple(&mut talker, "NOTIFY chan, 'hello'");
    let ev = listener.next_event().unwrap().unwrap();
    match ev {
        Event::Notification {
            channel,
            payload,
            process_id,
        } => {
            assert_eq!((channel.as_str(), payload.as_str()), ("chan", "hello"));
            assert_ne!(process_id, 0);
        }
        other => panic!("expected a notification, got {other:?}"),
    }
    let ev = simple(
        &mut listener,
        "DO $$ BEGIN RAISE NOTICE 'note %', 7; END $$",
    );
    assert!(
        ev.iter()
            .any(|e| matches!(e, Event::Notice(n) if n.message() == "note 7"))
    );
    let ev = simple(&mut listener, "SET application_name = 'renamed'");
    assert!(ev.iter().any(|e| matches!(e, Event::ParameterStatus { name, value } if name == "application_name" && value == "renamed")));
}

#[test]
fn cancel_a_running_query() {
    let mut d = connect_trust();
    let token = d.machine().cancel_token().unwrap().encode();
    let id = d.machine_mut().query("SELECT pg_sleep(30)").unwrap();
    d.flush().unwrap();
    let t = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(200));
        support::send_cancel(&token);
    });
    let ev = until_done(&mut d, id);
    t.join().unwrap();
    assert_eq!(failed_code(&ev), Some(SqlState::QUERY_CANCELED));
    assert_eq!(d.machine().pending_requests(), 0);
    let ev = simple(&mut d, "SELECT 1");
    assert_eq!(text_rows(&ev).len(), 1);
}

#[test]
fn statement_cache_is_reused_and_invalidated() {
    let mut d = connect_trust();
    simple(
        &mut d,
        "CREATE TEMP TABLE s (a int); INSERT INTO s VALUES (1)",
    );
    let run = |d: &mut support::Driver| {
        let id = d
            .machine_mut()
            .execute("SELECT * FROM s", &[], &[], &[], &[])
            .unwrap();
        let s = d.machine_mut().sync().unwrap();
        let ev = until_done(d, s);
        (id, ev)
    };
    let (_, ev) = run(&mut d);
    assert_eq!(text_rows(&ev), vec![vec![Some("1".into())]]);
    assert_eq!(d.machine().cached_statements(), 1);
    let (_, ev) = run(&mut d);
    assert_eq!(text_rows(&ev).len(), 1);
    assert_eq!(
        d.machine().cached_statements(),
        1,
        "reused, not prepared again"
    );
    let prepared = simple(&mut d, "SELECT count(*) FROM pg_prepared_statements");
    assert_eq!(text_rows(&prepared), vec![vec![Some("1".into())]]);

    // The result type changes under the cached plan: 0A000, and the entry is dropped.
    simple(&mut d, "ALTER TABLE s ADD COLUMN b text DEFAULT 'x'");
    let (id, ev) = run(&mut d);
    assert!(ev.iter().any(|e| matches!(e, Event::Failed { id: i, error } if *i == id
        && error.code() == SqlState::FEATURE_NOT_SUPPORTED && error.message().contains("cached plan"))), "{ev:?}");
    assert_eq!(d.machine().cached_statements(), 0);
    // The retry prepares again and sees the new column; the stale one was closed.
    let (_, ev) = run(&mut d);
    assert_eq!(
        text_rows(&ev),
        vec![vec![Some("1".into()), Some("x".into())]]
    );
    let prepared = simple(&mut d, "SELECT count(*) FROM pg_prepared_statements");
    assert_eq!(text_rows(&prepared), vec![vec![Some("1".into())]]);

    // DISCARD ALL drops the server's statements: the cache forgets them too.
    simple(&mut d, "DISCARD ALL");
    assert_eq!(d.machine().cached_statements(), 0);
    simple(
        &mut d,
        "CREATE TEMP TABLE s (a int); INSERT INTO s VALUES (5)",
    );
    let (_, ev) = run(&mut d);
    assert_eq!(text_rows(&ev), vec![vec![Some("5".into())]]);
}

#[test]
fn statement_cache_is_bounded() {
    let (mut d, _) =
        support::connect(support::config(support::TRUST, None).statement_cache_capacity(2))
            .unwrap();
    for i in 0..5 {
        let sql = format!("SELECT {i}");
        d.machine_mut().execute(&sql, &[], &[], &[], &[]).unwrap();
    }
    let s = d.machine_mut().sync().unwrap();
    let ev = until_done(&mut d, s);
    assert_eq!(text_rows(&ev).len(), 5);
    assert_eq!(d.machine().cached_statements(), 2);
    let prepared = simple(&mut d, "SELECT count(*) FROM pg_prepared_statements");
    assert_eq!(
        text_rows(&prepared),
        vec![vec![Some("2".into())]],
        "evicted statements are closed"
    );
}
