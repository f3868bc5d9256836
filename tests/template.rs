//! `ledger values template`: the sheet a statistics clerk fills in. Its
//! rows are exactly the period's units times its indicators, with the
//! targets and the period before's values beside; filled in by a script
//! with openpyxl (as a spreadsheet program would save it) it is submitted
//! as it is and records the values written; read through ledger-sheet and
//! filled in as a CSV file it does too (where Python is missing).

use crate::support::{Env, demo_env};
use std::collections::{BTreeMap, BTreeSet};
use std::process::Command;

/// The demonstration's ledger with period 2023 open for Lixia and Shanghe.
fn open_2023() -> Env {
    let env = demo_env();
    env.run(&["period", "open", "--period", "2023", "--units", "历下区,商河县", "--key", "keys/authority.key"]).ok();
    env
}

/// The template's rows, read through ledger-sheet: every cell as shown.
fn read_template(env: &Env, file: &str) -> ledger_sheet::Sheet {
    let bytes = std::fs::read(env.path(file)).unwrap();
    ledger_sheet::read(file, &bytes, None).unwrap()
}

/// Columns of the template (0 is A).
const UNIT: usize = 0;
const INDICATOR: usize = 1;
const VALUE: usize = 2;
const MEASURE: usize = 3;
const NOTE: usize = 4;
const TARGET: usize = 7;
const PREVIOUS: usize = 8;
const RECORDED: usize = 9;
const UNIT_ID: usize = 10;

/// The data rows of a template (below the two header lines), by
/// (unit id, indicator).
fn data_rows(sheet: &ledger_sheet::Sheet) -> Vec<&ledger_sheet::Row> {
    sheet.rows.iter().skip(4).collect()
}

/// The (unit, indicator) pairs of period 2023, as `period status` lists them.
fn period_pairs(env: &Env) -> BTreeSet<(String, String)> {
    let status = env.run(&["period", "status", "--period", "2023", "--json"]).ok().json();
    status["values"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| (v["unit"].as_str().unwrap().to_owned(), v["indicator"].as_str().unwrap().to_owned()))
        .collect()
}

/// The values recorded in period 2023: (unit, indicator) -> (value,
/// measure, note).
fn recorded(env: &Env) -> BTreeMap<(String, String), (String, String, String)> {
    let log = env.run(&["log", "--period", "2023", "--type", "measurement_submitted", "--json"]).ok().json();
    log["records"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            let d = &r["data"];
            let s = |k: &str| d[k].as_str().unwrap_or_default().to_owned();
            ((s("unit"), s("indicator")), (s("value"), s("measure"), s("note")))
        })
        .collect()
}

/// What a clerk writes: the period before's value (valid for its
/// indicator), else 1; Shanghe's share of the new economy as `40.0`, a
/// note on one row; two rows left empty. (unit, indicator) -> (value as
/// written, note).
fn values_to_write(sheet: &ledger_sheet::Sheet) -> BTreeMap<(String, String), (String, String)> {
    let mut out = BTreeMap::new();
    for row in data_rows(sheet) {
        let key = (row.cell(UNIT_ID).to_owned(), row.cell(INDICATOR).to_owned());
        if key == ("shanghe".into(), "3".into()) || key == ("lixia".into(), "F2".into()) {
            continue; // left empty
        }
        let previous = row.cell(PREVIOUS);
        let mut value = if previous.is_empty() { "1".to_owned() } else { previous.to_owned() };
        if key == ("shanghe".into(), "1".into()) {
            value = "40.0".into();
        }
        let note = if key == ("lixia".into(), "1".into()) { "据快报" } else { "" };
        out.insert(key, (value, note.to_owned()));
    }
    out
}

/// The template's layout, and its rows exactly the period's units times
/// its indicators, with what the ledger knows beside.
fn check_layout(env: &Env, sheet: &ledger_sheet::Sheet) {
    assert_eq!(sheet.sheet.as_deref(), Some("2023 填报"));
    assert!(sheet.rows[0].cells[0].contains("2023年度 指标数值填报表"), "{:?}", sheet.rows[0]);
    assert_eq!(sheet.rows[2].cells[..6], ["单位", "指标", "数值", "计量单位", "备注", "以下仅供参考"]);
    assert_eq!(sheet.rows[3].cells[..6], ["unit", "indicator", "value", "measure", "note", "for reference only"]);
    assert_eq!(sheet.rows[2].cells[PREVIOUS], "上期数值（2022）");
    let rows = data_rows(sheet);
    let pairs: Vec<(String, String)> =
        rows.iter().map(|r| (r.cell(UNIT_ID).to_owned(), r.cell(INDICATOR).to_owned())).collect();
    let expected = period_pairs(env);
    assert_eq!(pairs.len(), expected.len(), "one row per unit and indicator");
    assert_eq!(pairs.iter().cloned().collect::<BTreeSet<_>>(), expected);
    assert_eq!(expected.len(), 2 * 22);
    // The unit by its Chinese name, the measure as the catalog writes it in
    // Chinese, the value to fill in.
    let catalog = env.run(&["catalog", "--json"]).ok().json();
    let measures: BTreeMap<String, String> = catalog["indicators"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            let d = &i["definition"];
            let zh = d["unit_zh"].as_str().or(d["unit"].as_str()).unwrap();
            (d["id"].as_str().unwrap().to_owned(), zh.to_owned())
        })
        .collect();
    for r in &rows {
        let name = if r.cell(UNIT_ID) == "shanghe" { "商河县" } else { "历下区" };
        assert_eq!(r.cell(UNIT), name);
        assert_eq!(r.cell(VALUE), "");
        assert_eq!(r.cell(MEASURE), measures[r.cell(INDICATOR)], "{:?}", r.cells);
    }
    // The period before's values: what 2022 scored.
    let scores = env.run(&["scores", "--period", "2022", "--json"]).ok().json();
    let mut compared = 0;
    for u in scores["units"].as_array().unwrap() {
        for i in u["indicators"].as_array().unwrap() {
            let Some(row) = rows.iter().find(|r| r.cell(UNIT_ID) == u["unit"] && r.cell(INDICATOR) == i["indicator"])
            else {
                continue;
            };
            assert_eq!(row.cell(PREVIOUS), i["value"].as_str().unwrap_or(""), "{:?}", row.cells);
            compared += 1;
        }
    }
    assert_eq!(compared, 2 * 19, "every scored indicator of both units");
    // Shanghe's target for indicator 1.
    let target = rows.iter().find(|r| r.cell(UNIT_ID) == "shanghe" && r.cell(INDICATOR) == "1").unwrap();
    assert_eq!(target.cell(TARGET), "36.5");
}

/// Assigns Shanghe's target for indicator 1.
fn assign_target(env: &Env) {
    std::fs::write(env.path("t.csv"), "单位,指标,目标值\n商河县,1,36.5\n").unwrap();
    env.run(&["period", "targets", "--period", "2023", "--key", "keys/authority.key", "t.csv"]).ok();
}

fn submit(env: &Env, extra: &[&str]) -> crate::support::Run {
    let mut args = vec!["values", "submit", "--period", "2023", "--key", "keys/statistics.key"];
    args.extend_from_slice(extra);
    env.run(&args)
}

/// Submits `file` (checked first), and holds the records to what was written.
fn submit_and_compare(env: &Env, file: &str, written: &BTreeMap<(String, String), (String, String)>) {
    let r = submit(env, &["--check", file]).ok();
    assert!(r.stdout.contains(&format!("check: every row of {file} passes")), "{}", r.stdout);
    // The rows left empty are named, not submitted.
    assert!(
        r.stderr.contains("row") && r.stderr.contains("left empty: unit 商河县 (shanghe) and indicator 3"),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("left empty: unit 历下区 (lixia) and indicator F2"), "{}", r.stderr);
    assert!(recorded(env).is_empty(), "--check writes nothing");
    let r = submit(env, &[file]).ok();
    assert_eq!(
        r.stdout,
        "历下区 (lixia): 21 rows, 21 new, 0 corrected, 0 unchanged\n商河县 (shanghe): 21 rows, 21 new, 0 corrected, 0 unchanged\n"
    );
    let records = recorded(env);
    assert_eq!(records.keys().collect::<Vec<_>>(), written.keys().collect::<Vec<_>>());
    for (key, (value, note)) in written {
        let (v, measure, n) = &records[key];
        assert_eq!((v, n), (value, note), "{key:?}");
        assert!(!measure.is_empty(), "{key:?}: the template's measure is recorded");
    }
    assert_eq!(records[&("shanghe".to_owned(), "1".to_owned())].0, "40.0", "as typed");
    // Sent again: nothing new.
    let r = submit(env, &[file]).ok();
    assert!(r.stdout.contains("21 rows, 0 new, 0 corrected, 21 unchanged"), "{}", r.stdout);
}

/// `python3` with openpyxl.
fn openpyxl_ready() -> bool {
    Command::new("python3").args(["-c", "import openpyxl"]).output().is_ok_and(|o| o.status.success())
}

/// Fills a template's 数值 (and 备注) cells the way a clerk's spreadsheet
/// program does: the values by unit id and indicator from a JSON file,
/// `[text, as_number, note]`, a number where asked, else the text.
const FILL: &str = r#"
import json, sys, openpyxl
src, spec, dst = sys.argv[1:4]
values = json.load(open(spec, encoding="utf-8"))
wb = openpyxl.load_workbook(src)
ws = wb.active
header = [c.value for c in ws[3]]
assert [c.value for c in ws[4]][:3] == ["unit", "indicator", "value"]
col = {h: i + 1 for i, h in enumerate(header)}
filled = 0
for r in range(5, ws.max_row + 1):
    key = "%s/%s" % (ws.cell(r, col["单位代码"]).value, ws.cell(r, col["指标"]).value)
    if key not in values:
        continue
    text, as_number, note = values[key]
    ws.cell(r, col["数值"]).value = (float(text) if "." in text else int(text)) if as_number else text
    if note:
        ws.cell(r, col["备注"]).value = note
    filled += 1
assert filled == len(values), (filled, len(values))
wb.save(dst)
"#;

#[test]
fn a_template_filled_in_with_openpyxl_is_submitted_as_written() {
    if !openpyxl_ready() {
        crate::support::missing_tool("python3 with openpyxl", "the template filled in by openpyxl");
        return;
    }
    let env = open_2023();
    assign_target(&env);
    let r = env.run(&["values", "template", "--period", "2023", "-o", "values-2023.xlsx"]).ok();
    assert_eq!(
        r.stdout,
        "template: 44 rows (2 unit(s) × 22 indicator(s)) of period 2023 written to values-2023.xlsx; fill in 数值 (value), then: ledger values submit --period 2023 --key KEY values-2023.xlsx\n"
    );
    let sheet = read_template(&env, "values-2023.xlsx");
    check_layout(&env, &sheet);
    // Untouched, it submits nothing.
    submit(&env, &["--check", "values-2023.xlsx"]).refused("every 数值 cell is empty: no value to submit");

    let written = values_to_write(&sheet);
    // Numbers as numbers where the text is what a spreadsheet shows of
    // one (General: no trailing zeros), every other row as text.
    let spec: serde_json::Map<String, serde_json::Value> = written
        .iter()
        .enumerate()
        .map(|(n, ((u, i), (v, note)))| {
            let shown_as_number = !(v.contains('.') && v.ends_with('0'));
            (format!("{u}/{i}"), serde_json::json!([v, n % 2 == 0 && shown_as_number, note]))
        })
        .collect();
    std::fs::write(env.path("values.json"), serde_json::Value::Object(spec).to_string()).unwrap();
    std::fs::write(env.path("fill.py"), FILL).unwrap();
    let out = Command::new("python3")
        .current_dir(env.dir.path())
        .args(["fill.py", "values-2023.xlsx", "values.json", "filled.xlsx"])
        .output()
        .unwrap();
    assert!(out.status.success(), "fill.py: {}", String::from_utf8_lossy(&out.stderr));
    submit_and_compare(&env, "filled.xlsx", &written);
}

#[test]
fn the_template_reads_back_through_ledger_sheet_and_a_copy_of_it_filled_in_is_submitted() {
    let env = open_2023();
    assign_target(&env);
    env.run(&["values", "template", "--period", "2023", "-o", "values-2023.xlsx"]).ok();
    let sheet = read_template(&env, "values-2023.xlsx");
    check_layout(&env, &sheet);
    submit(&env, &["values-2023.xlsx"]).refused("every 数值 cell is empty: no value to submit");

    // The sheet as a CSV file, every row and column of it (the title rows,
    // both header lines, the columns for reference), the values filled in.
    let written = values_to_write(&sheet);
    let quote = |c: &str| format!("\"{}\"", c.replace('"', "\"\""));
    let mut text = String::new();
    for (n, row) in sheet.rows.iter().enumerate() {
        let mut cells = row.cells.clone();
        if n >= 4 {
            let key = (row.cell(UNIT_ID).to_owned(), row.cell(INDICATOR).to_owned());
            if let Some((value, note)) = written.get(&key) {
                cells[VALUE] = value.clone();
                cells[NOTE] = note.clone();
            }
        }
        text.push_str(&cells.iter().map(|c| quote(c)).collect::<Vec<_>>().join(","));
        text.push('\n');
    }
    std::fs::write(env.path("filled.csv"), text).unwrap();
    submit_and_compare(&env, "filled.csv", &written);

    // A template written now shows the values recorded.
    env.run(&["values", "template", "--period", "2023", "--unit", "shanghe", "-o", "again.xlsx"]).ok();
    let again = read_template(&env, "again.xlsx");
    let rows = data_rows(&again);
    assert_eq!(rows.len(), 22, "one unit's rows");
    assert!(rows.iter().all(|r| r.cell(UNIT_ID) == "shanghe"));
    let one = rows.iter().find(|r| r.cell(INDICATOR) == "1").unwrap();
    assert_eq!(one.cell(RECORDED), "40.0");
    // Sent as it is, the filled rows are recorded already and the empty
    // one is still named.
    let r = submit(&env, &["--check", "again.xlsx"]).refused("every 数值 cell is empty");
    assert!(!r.stderr.contains("panicked"));
}

#[test]
fn what_a_template_refuses() {
    let env = open_2023();
    env.run(&["values", "template", "--period", "2023", "-o", "v.csv"])
        .refused("the template is an XLSX workbook, not a .csv file");
    env.run(&["values", "template", "--period", "2023", "--unit", "南部山区", "-o", "v.xlsx"])
        .refused("is not assessed in period 2023");
    env.run(&["values", "template", "--period", "2030", "-o", "v.xlsx"]).refused("period 2030 has not been opened");
    assert!(!env.path("v.xlsx").exists() && !env.path("v.csv").exists());
    // A period that is no longer open: written, with a warning.
    let r = env.run(&["values", "template", "--period", "2022", "--unit", "历下", "-o", "v.xlsx"]).ok();
    assert!(r.stderr.contains("warning: period 2022 is no longer open"), "{}", r.stderr);
    assert_eq!(data_rows(&read_template(&env, "v.xlsx")).len(), 22);
}
