//! The offices' files as they are: the same values as a workbook with a
//! title row and a 序号 column, a GBK CSV with Chinese headers, a CSV with
//! a byte-order mark and standard input all record the same events; every
//! problem of a file is reported at once and nothing is written; `--check`
//! decides every row and writes nothing; a missing row is a warning;
//! numbers as spreadsheets write them are read, or refused with what they
//! may mean.

use crate::support::{Env, demo_env};
use rust_xlsxwriter::{Format, Workbook};

/// The demonstration's ledger with period 2023 open for Lixia and Shanghe.
fn open_2023() -> Env {
    let env = demo_env();
    env.run(&["period", "open", "--period", "2023", "--units", "历下区,商河县", "--key", "keys/authority.key"]).ok();
    env
}

/// Records of period 2023.
fn records(env: &Env) -> usize {
    env.run(&["log", "--period", "2023", "--json"]).ok().json()["records"].as_array().unwrap().len()
}

fn submit(env: &Env, extra: &[&str]) -> crate::support::Run {
    let mut args = vec!["values", "submit", "--period", "2023", "--key", "keys/statistics.key"];
    args.extend_from_slice(extra);
    env.run(&args)
}

/// The values every file below holds: unit, indicator, value as a number
/// and the places a spreadsheet shows it with, unit of measure.
const VALUES: [(&str, &str, f64, &str, &str); 4] = [
    ("商河县", "1", 40.0, "0.0", "%"),
    ("商河县", "15", 708.0, "General", "亿元"),
    ("历下区", "外贸进出口", 1234.5, "General", "亿元"),
    ("历下区", "9", 310.0, "0", "家"),
];

/// The values as plain CSV text, Chinese headers.
fn csv_text() -> String {
    let mut text = String::from("单位,指标,数值,计量单位\n");
    for (unit, indicator, value, places, measure) in VALUES {
        let shown = if places == "0.0" { format!("{value:.1}") } else { value.to_string() };
        text.push_str(&format!("{unit},{indicator},{shown},{measure}\n"));
    }
    text
}

/// The same values as an office's workbook: a merged title row, a 序号
/// column, numbers as numbers with their formats, on a sheet named 2023.
fn workbook() -> Vec<u8> {
    let mut book = Workbook::new();
    let sheet = book.add_worksheet().set_name("2023").unwrap();
    sheet.merge_range(0, 0, 0, 4, "2023年度新旧动能转换指标数据", &Format::new().set_bold()).unwrap();
    for (c, h) in ["序号", "单位", "指标", "数值", "计量单位"].iter().enumerate() {
        sheet.write_string(1, c as u16, *h).unwrap();
    }
    for (i, (unit, indicator, value, places, measure)) in VALUES.iter().enumerate() {
        let row = i as u32 + 2;
        sheet.write_number(row, 0, i as f64 + 1.0).unwrap();
        sheet.write_string(row, 1, *unit).unwrap();
        match indicator.parse::<f64>() {
            Ok(n) => sheet.write_number(row, 2, n).unwrap(),
            Err(_) => sheet.write_string(row, 2, *indicator).unwrap(),
        };
        sheet.write_number_with_format(row, 3, *value, &Format::new().set_num_format(*places)).unwrap();
        sheet.write_string(row, 4, *measure).unwrap();
    }
    book.save_to_buffer().unwrap()
}

#[test]
fn a_workbook_a_gbk_csv_a_bom_csv_and_standard_input_record_what_the_plain_csv_does() {
    let env = open_2023();
    std::fs::write(env.path("plain.csv"), csv_text()).unwrap();
    let first = submit(&env, &["plain.csv"]).ok();
    // One line per unit, in the order of the file.
    assert_eq!(
        first.stdout,
        "商河县 (shanghe): 2 rows, 2 new, 0 corrected, 0 unchanged\n历下区 (lixia): 2 rows, 2 new, 0 corrected, 0 unchanged\n"
    );
    let recorded = records(&env);

    std::fs::write(env.path("values.xlsx"), workbook()).unwrap();
    let text = csv_text();
    let (gbk, _, unmappable) = encoding_rs::GBK.encode(&text);
    assert!(!unmappable);
    std::fs::write(env.path("gbk.csv"), &gbk).unwrap();
    std::fs::write(env.path("bom.csv"), format!("\u{feff}{}", csv_text())).unwrap();
    // Each file's rows are the events already recorded, id and content:
    // nothing new.
    let same = "商河县 (shanghe): 2 rows, 0 new, 0 corrected, 2 unchanged\n历下区 (lixia): 2 rows, 0 new, 0 corrected, 2 unchanged\n";
    for file in ["values.xlsx", "gbk.csv", "bom.csv"] {
        let r = submit(&env, &[file]).ok();
        assert_eq!(r.stdout, same, "{file}: {}", r.stderr);
        assert!(!r.stderr.contains("error"), "{file}: {}", r.stderr);
    }
    let r = submit(&env, &["gbk.csv"]).ok();
    assert!(r.stderr.contains("note: gbk.csv is not UTF-8: it was read as GB18030 (GBK)"), "{}", r.stderr);
    let r = submit(&env, &["--sheet", "2023", "values.xlsx"]).ok();
    assert_eq!(r.stdout, same);
    let stdin = env.run_with_input(
        &["values", "submit", "--period", "2023", "--key", "keys/statistics.key", "-"],
        Some(&workbook()),
    );
    assert_eq!(stdin.ok().stdout, same);
    assert_eq!(records(&env), recorded, "nothing new was recorded");

    // The records are the plain file's: the values as written there.
    let log = env.run(&["log", "--period", "2023", "--type", "measurement_submitted", "--json"]).ok().json();
    let values: Vec<(String, String, String)> = log["records"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            let d = &r["data"];
            let s = |k: &str| d[k].as_str().unwrap_or_default().to_owned();
            (s("unit"), s("indicator"), format!("{} {}", s("value"), s("measure")))
        })
        .collect();
    let expected = [
        ("shanghe", "1", "40.0 %"),
        ("shanghe", "15", "708 亿元"),
        ("lixia", "15", "1234.5 亿元"),
        ("lixia", "9", "310 家"),
    ]
    .map(|(u, i, v)| (u.to_owned(), i.to_owned(), v.to_owned()));
    assert_eq!(values, expected);

    // A sheet that is not there names those that are.
    submit(&env, &["--sheet", "2024", "values.xlsx"])
        .refused("values.xlsx has no sheet \"2024\"; its sheets are \"2023\"");
}

#[test]
fn every_problem_of_a_file_at_once_and_nothing_written() {
    let env = open_2023();
    let before = records(&env);
    std::fs::write(
        env.path("bad.csv"),
        "单位,指标,数值,计量单位\n商河镇,1,25.6,\n商河县,15,700,万元\n历下区,2,abc,\n历下区,3,30,\n",
    )
    .unwrap();
    let r = submit(&env, &["bad.csv"]).refused("3 problems in bad.csv; nothing was written:");
    let lines: Vec<&str> = r.stderr.lines().collect();
    assert_eq!(
        lines[1..4],
        [
            "bad.csv, row 2, column A (单位): \"商河镇\": unknown unit; did you mean 商河县 (shanghe)?",
            "bad.csv, row 3, column D (计量单位): \"万元\": measure \"万元\" does not match indicator 15's unit of measure \"亿元\" or \"100M yuan\"",
            "bad.csv, row 4, column C (数值): \"abc\": not a number: write it like 25.6 or -3 (a point for decimals, no exponent)",
        ],
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("hint: nothing was written"), "{}", r.stderr);
    assert_eq!(records(&env), before, "a file with problems writes nothing, not even its good rows");

    // A workbook's problems name its sheet.
    let mut book = Workbook::new();
    let sheet = book.add_worksheet().set_name("报表").unwrap();
    for (c, h) in ["单位", "指标", "数值"].iter().enumerate() {
        sheet.write_string(0, c as u16, *h).unwrap();
    }
    sheet.write_string(1, 0, "商河县").unwrap();
    sheet.write_number(1, 1, 15).unwrap();
    sheet.write_number_with_format(1, 2, 0.4, &Format::new().set_num_format("0%")).unwrap();
    std::fs::write(env.path("bad.xlsx"), book.save_to_buffer().unwrap()).unwrap();
    submit(&env, &["bad.xlsx"]).refused(
        "bad.xlsx, sheet 报表, row 2, column C (数值): \"40%\": a percentage, but indicator 15 is measured in 100M yuan: write the number alone; did you mean 40?",
    );
    assert_eq!(records(&env), before);
}

#[test]
fn check_decides_every_row_and_writes_nothing_then_the_submit_succeeds() {
    let env = open_2023();
    let before = records(&env);
    std::fs::write(env.path("v.csv"), csv_text()).unwrap();
    let r = submit(&env, &["--check", "v.csv"]).ok();
    assert!(r.stdout.contains("商河县 (shanghe): 2 rows, 2 new, 0 corrected, 0 unchanged"), "{}", r.stdout);
    assert!(r.stdout.ends_with("check: every row of v.csv passes; nothing was written\n"), "{}", r.stdout);
    assert_eq!(records(&env), before);
    let json = submit(&env, &["--check", "--json", "v.csv"]).ok().json();
    assert_eq!(json["written"], false);
    assert_eq!(json["units"][0]["new"], 2);
    // The rules run too: a value already submitted is refused by --check,
    // every such row at once.
    submit(&env, &["v.csv"]).ok();
    let after = records(&env);
    assert_eq!(after, before + 4);
    std::fs::write(env.path("again.csv"), "单位,指标,数值\n商河县,1,41\n历下区,9,311\n").unwrap();
    let r = submit(&env, &["--check", "again.csv"]).refused("2 problems in again.csv");
    assert!(
        r.stderr.contains("again.csv, row 2: a value for unit shanghe and indicator 1 was already submitted"),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr.contains("again.csv, row 3: a value for unit lixia and indicator 9 was already submitted"),
        "{}",
        r.stderr
    );
    assert_eq!(records(&env), after);
    // Targets take --check as well: the period is open, so they pass.
    std::fs::write(env.path("t.csv"), "单位,指标,目标值\n商河县,1,35\n").unwrap();
    let r = env.run(&["period", "targets", "--period", "2023", "--key", "keys/authority.key", "--check", "t.csv"]).ok();
    assert!(r.stdout.contains("商河县 (shanghe): 1 row, 1 new"), "{}", r.stdout);
    assert_eq!(records(&env), after);
}

#[test]
fn a_missing_row_is_a_warning_naming_the_unit_and_indicator() {
    let env = open_2023();
    let mut text = String::from("单位,指标,数值\n");
    for i in 1..=19 {
        if i != 15 {
            text.push_str(&format!("商河县,{i},1\n"));
        }
    }
    for f in ["F1", "F2", "F3"] {
        text.push_str(&format!("商河县,{f},1\n"));
    }
    std::fs::write(env.path("v.csv"), text).unwrap();
    let r = submit(&env, &["--check", "v.csv"]).ok();
    assert!(
        r.stderr.contains(
            "warning: v.csv: no row for unit 商河县 (shanghe) and indicator 15 (外贸进出口), which has no value yet in period 2023"
        ),
        "{}",
        r.stderr
    );
    // Only the units the file speaks for: nothing about Lixia.
    assert!(!r.stderr.contains("lixia"), "{}", r.stderr);
}

#[test]
fn numbers_written_the_excel_way_are_read_or_refused_with_what_they_may_mean() {
    let env = open_2023();
    std::fs::write(env.path("n.csv"), "单位,指标,数值\n商河县,15,\"1,234.5\"\n商河县,9,１２３\n商河县,1,40.0%\n")
        .unwrap();
    submit(&env, &["n.csv"]).ok();
    let log = env.run(&["log", "--period", "2023", "--type", "measurement_submitted", "--json"]).ok().json();
    let values: Vec<&str> =
        log["records"].as_array().unwrap().iter().map(|r| r["data"]["value"].as_str().unwrap()).collect();
    assert_eq!(values, ["1234.5", "123", "40.0"]);
    std::fs::write(env.path("m.csv"), "单位,指标,数值\n历下区,15,\"1,23\"\n历下区,17,12%\n历下区,9,+5\n").unwrap();
    let r = submit(&env, &["m.csv"]).refused("3 problems in m.csv");
    for expected in [
        "m.csv, row 2, column C (数值): \"1,23\": not a number: a comma that separates no groups of three digits (write a point for decimals); did you mean 1.23?",
        "m.csv, row 3, column C (数值): \"12%\": a percentage, but indicator 17 is measured in 100M yuan: write the number alone; did you mean 12?",
        "m.csv, row 4, column C (数值): \"+5\": not a number: write it like 25.6 or -3 (a point for decimals, no exponent); did you mean 5?",
    ] {
        assert!(r.stderr.contains(expected), "{expected}\n{}", r.stderr);
    }
}

#[test]
fn a_title_row_and_a_row_number_column_and_standard_input() {
    let env = open_2023();
    let text = "2023年各区县指标数据,,,\n序号,单位,指标,数值\n1,商河县,15,708\n";
    let r = env.run_with_input(
        &["values", "submit", "--period", "2023", "--key", "keys/statistics.key", "-"],
        Some(text.as_bytes()),
    );
    assert_eq!(r.ok().stdout, "商河县 (shanghe): 1 row, 1 new, 0 corrected, 0 unchanged\n");
    // A problem on standard input names it so.
    let r = env.run_with_input(
        &["values", "submit", "--period", "2023", "--key", "keys/statistics.key", "-"],
        Some("单位,指标,数值\n商河县,16,x\n".as_bytes()),
    );
    r.refused("standard input, row 2, column C (数值): \"x\": not a number");
    // --json keeps the records.
    let r = env.run_with_input(
        &["values", "submit", "--period", "2023", "--key", "keys/statistics.key", "--json", "-"],
        Some("单位,指标,数值\n商河县,16,12.5\n".as_bytes()),
    );
    let json = r.ok().json();
    assert_eq!(json["appended"], 1);
    assert_eq!(json["events"][0]["data"]["value"], "12.5");
}
