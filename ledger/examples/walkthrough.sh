#!/bin/sh
# A year's assessment, office by office, with the office commands only (no
# JSON by hand): keys, a ledger, the catalog, units and policy, period 2022
# of two units from the CSV files beside this script (Chinese headers and
# names, SYNTHETIC figures), a correction, verification, publication, an
# objection inside the window, finalisation, rewards, an accountability
# action and its rectification, the audit and the inspector's check.
#
#   sh ledger/examples/walkthrough.sh [DIR]      (default: ./rehearsal, must not exist)
#
# LEDGER_NOW dates each step on the 2023 calendar (Beijing time), so that
# the objection window can close and the period be finalised in a minute.
# LEDGER is the command to run (default: cargo run -q --release --).
# tests/office.rs runs this script.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
dir=${1:-rehearsal}
L=${LEDGER:-cargo run -q --release --manifest-path "$here/../../Cargo.toml" --}
if [ -e "$dir" ]; then
    echo "error: $dir exists; give a new folder" >&2
    exit 2
fi
mkdir -p "$dir"
cd "$dir"
export LEDGER_DB="$PWD/ledger.db"
at() { LEDGER_NOW="$1"; export LEDGER_NOW; }

at 2023-01-05T09:00:00+08:00
for k in root authority statistics assessment shanghe; do $L key generate --prefix keys/$k; done
$L init --origin rehearsal.example/jinan --key keys/root.key --holder "济南市 (root of trust)"
$L key authorize --key keys/root.key --pub keys/authority.pub  --holder "济南市人民政府" --role authority
$L key authorize --key keys/root.key --pub keys/statistics.pub --holder "济南市统计局" --role statistics
$L key authorize --key keys/root.key --pub keys/assessment.pub --holder "济南市考核办" --role assessment

# the authority: catalog, units, policy (the embedded ledger/*.json), a period, targets
$L adopt catalog --key keys/authority.key
$L adopt units   --key keys/authority.key
$L adopt policy  --key keys/authority.key
# Shanghe's key files objections and rectifications for Shanghe only
$L key authorize --key keys/root.key --pub keys/shanghe.pub --holder "商河县" --role unit \
   --unit 商河县 --authority keys/authority.key
$L period open --period 2022 --units 历下区,商河县 --key keys/authority.key
$L period targets --period 2022 --key keys/authority.key "$here/targets-2022.csv"

# the statistics bureau: values (all rows or none), a correction with its reason
at 2023-02-01T10:00:00+08:00
$L values template --period 2022 -o values-2022.xlsx   # the sheet to fill in (values-2022.csv holds the same rows, filled in)
$L values submit --period 2022 --key keys/statistics.key --check "$here/values-2022.csv"
$L values submit --period 2022 --key keys/statistics.key "$here/values-2022.csv"
$L values correct --period 2022 --unit 商河 --indicator 10 --value 21.0 --reason "payroll recount" --key keys/statistics.key
$L period status --period 2022

# the assessment office: verify, publish, resolve the objection, finalise
at 2023-02-20T09:00:00+08:00
$L values verify --period 2022 --key keys/assessment.key
at 2023-03-01T09:00:00+08:00
$L period publish --period 2022 --window-until 2023-03-15 --key keys/assessment.key
at 2023-03-15T23:30:00+08:00
$L objection file --period 2022 --unit 商河县 --indicator 10 --claim "研发人员统计口径有误" \
   --proposed-value 30.0 --key keys/shanghe.key
at 2023-03-18T09:00:00+08:00
$L objection resolve --period 2022 --id obj-2022-1 --upheld --corrected-value 30.0 --reason "核实无误" \
   --key keys/assessment.key
at 2023-03-20T09:00:00+08:00
$L period finalize --period 2022 --key keys/assessment.key

# the authority: the consequences the rules imply; the unit answers
at 2023-04-01T09:00:00+08:00
$L scores --period 2022
amount=$($L scores --period 2022 | sed -n 's/.*fiscal_reward \([0-9.]*\).*/\1/p' | head -n 1)   # 10% of F3
$L decision reward --period 2022 --unit 历下区 --kind policy-preference --basis "C1: excellent" --key keys/authority.key
$L decision reward --period 2022 --unit 历下区 --kind fiscal-reward --amount "$amount" --basis "C2" --key keys/authority.key
$L decision action --period 2022 --unit 商河县 --kind public-notice --id notice-1 --basis "C3.1: poor" \
   --key keys/authority.key
$L decision rectify --period 2022 --action notice-1 --text "整改方案已报送" --key keys/shanghe.key
$L audit

# an inspector: the whole chain against the root key, and who did what
$L verify --trust keys/root.pub
$L explain --period 2022 --unit 商河县 --indicator 10
$L log --unit 商河县 --type objection_filed
