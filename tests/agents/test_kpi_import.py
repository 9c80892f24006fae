"""The KPI import (CSV and Excel): per-line errors, all or nothing, idempotent, with an import history."""

import datetime as dt
import io

import openpyxl
import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from agents.models import KpiImport, KpiRecord
from agents.services import import_kpi_file
from satisfaction.exceptions import ValidationFailed
from tests.factories import AgentFactory, KpiRecordFactory

pytestmark = pytest.mark.django_db

COLUMNS = [
    "employee_number",
    "date",
    "handled",
    "handle_seconds",
    "resolved_first_contact",
    "complaints",
    "praise",
    "spot_tests_taken",
    "spot_tests_passed",
    "adherence_pct",
    "occupancy_pct",
]
DAY1 = timezone.localdate() - dt.timedelta(days=10)
DAY2 = DAY1 + dt.timedelta(days=1)
GOOD_ROWS = [
    ["A001", DAY1.isoformat(), "40", "12000", "32", "1", "2", "2", "1", "95.5", ""],
    ["B001", DAY1.isoformat(), "35", "11000", "30", "0", "0", "0", "0", "", "80"],
    ["A001", DAY2.isoformat(), "42", "12600", "35", "0", "1", "1", "1", "97", "88"],
]


def csv_bytes(rows: list[list[str]], header: list[str] = COLUMNS) -> bytes:
    return "\n".join(",".join(row) for row in [header, *rows]).encode() + b"\n"


def excel_cell(value: str):
    """What a person typing into Excel gets: numbers and dates as such, everything else as text."""
    if value == "":
        return None
    for kind in (int, float):
        try:
            return kind(value)
        except ValueError:
            pass
    try:
        return dt.date.fromisoformat(value) if len(value) == len("YYYY-MM-DD") else value
    except ValueError:
        return value


def xlsx_bytes(rows: list[list[str]], header: list[str] = COLUMNS, *, edit=None) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(header)
    for row in rows:
        sheet.append([excel_cell(value) for value in row])
    if edit:
        edit(sheet)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


ENCODERS = {"csv": csv_bytes, "xlsx": xlsx_bytes}


@pytest.fixture
def agents(team_a, team_b):
    """A001 and B001 without logins: hashing their passwords would dominate these tests' time."""
    return AgentFactory(team=team_a, employee_number="A001"), AgentFactory(team=team_b, employee_number="B001")


def stored() -> list[tuple]:
    return sorted(
        KpiRecord.objects.values_list(
            "agent__employee_number",
            "date",
            "handled",
            "handle_seconds",
            "resolved_first_contact",
            "complaints",
            "praise",
            "spot_tests_taken",
            "spot_tests_passed",
            "adherence_pct",
            "occupancy_pct",
        )
    )


def refused(data: bytes) -> list[str]:
    """The per-line details of a refused import, after checking that no record was written."""
    with pytest.raises(ValidationFailed) as caught:
        import_kpi_file(data, filename="kpi.file")
    assert not KpiRecord.objects.exists()
    return caught.value.details


# --- good files ----------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_a_good_file_creates_one_record_per_agent_day(fmt, agents):
    history = import_kpi_file(ENCODERS[fmt](GOOD_ROWS), filename=f"kpi.{fmt}")
    assert (history.status, history.created, history.updated, history.unchanged) == ("imported", 3, 0, 0)
    assert history.source == ("excel" if fmt == "xlsx" else "csv")
    assert stored() == [
        ("A001", DAY1, 40, 12000, 32, 1, 2, 2, 1, 95.5, None),
        ("A001", DAY2, 42, 12600, 35, 0, 1, 1, 1, 97.0, 88.0),
        ("B001", DAY1, 35, 11000, 30, 0, 0, 0, 0, None, 80.0),
    ]


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_importing_the_same_file_twice_changes_nothing(fmt, agents):
    data = ENCODERS[fmt](GOOD_ROWS)
    import_kpi_file(data)
    before = stored()
    ids = sorted(KpiRecord.objects.values_list("pk", flat=True))
    second = import_kpi_file(data)
    assert (second.created, second.updated, second.unchanged) == (0, 0, 3)
    assert stored() == before
    assert sorted(KpiRecord.objects.values_list("pk", flat=True)) == ids


def test_reimporting_an_agent_day_replaces_it(agents):
    import_kpi_file(csv_bytes(GOOD_ROWS))
    changed = [["A001", DAY1.isoformat(), "50", "15000", "45", "0", "0", "0", "0", "", ""]]
    history = import_kpi_file(csv_bytes(changed))
    assert (history.created, history.updated, history.unchanged) == (0, 1, 0)
    record = KpiRecord.objects.get(agent__employee_number="A001", date=DAY1)
    assert (record.handled, record.resolved_first_contact, record.adherence_pct) == (50, 45, None)
    assert record.source_import == history
    assert KpiRecord.objects.count() == 3


def test_optional_columns_may_be_left_out(agents):
    header = COLUMNS[:9]
    import_kpi_file(csv_bytes([row[:9] for row in GOOD_ROWS], header=header))
    assert KpiRecord.objects.filter(adherence_pct__isnull=True, occupancy_pct__isnull=True).count() == 3


def test_columns_may_come_in_any_order_with_a_bom(agents):
    header = list(reversed(COLUMNS))
    rows = [list(reversed(row)) for row in GOOD_ROWS]
    import_kpi_file(b"\xef\xbb\xbf" + csv_bytes(rows, header=header))
    assert stored()[0] == ("A001", DAY1, 40, 12000, 32, 1, 2, 2, 1, 95.5, None)


def test_the_import_history_records_who_imported_what(agents, admin_user):
    history = import_kpi_file(csv_bytes(GOOD_ROWS), filename="march.csv", imported_by=admin_user)
    history.refresh_from_db()
    assert (history.imported_by, history.filename, history.rows) == (admin_user, "march.csv", 3)
    assert (history.first_date, history.last_date) == (DAY1, DAY2)
    assert history.errors == []


# --- bad rows: each kind, in CSV and in Excel ---------------------------------------------

FUTURE = (timezone.localdate() + dt.timedelta(days=3)).isoformat()
BAD_ROWS = [
    # (row, the reason the error must name)
    (["Z999", DAY1.isoformat(), "10", "600", "5", "0", "0", "0", "0", "", ""], "unknown agent Z999"),
    (["A001", DAY2.isoformat(), "-3", "600", "0", "0", "0", "0", "0", "", ""], "handled -3 is negative"),
    (["A001", "2026-13-40", "10", "600", "5", "0", "0", "0", "0", "", ""], "date 2026-13-40 is not a date"),
    (["A001", "03/02/2026", "10", "600", "5", "0", "0", "0", "0", "", ""], "date 03/02/2026 is not a date"),
    (["A001", FUTURE, "10", "600", "5", "0", "0", "0", "0", "", ""], "is in the future"),
    (["B001", DAY2.isoformat(), "10", "600", "11", "0", "0", "0", "0", "", ""], "resolved_first_contact 11 is more"),
    (["B001", DAY2.isoformat(), "10", "600", "5", "0", "0", "1", "2", "", ""], "spot_tests_passed 2 is more"),
    (["B001", DAY2.isoformat(), "10", "90000", "5", "0", "0", "0", "0", "", ""], "is more than a day"),
    (["B001", DAY2.isoformat(), "0", "600", "0", "0", "0", "0", "0", "", ""], "does not fit 0 handled"),
    (["B001", DAY2.isoformat(), "10", "600", "5", "0", "0", "0", "0", "101", ""], "adherence_pct 101 is not between"),
    (["B001", DAY2.isoformat(), "10", "600", "5", "0", "0", "0", "0", "", "-1"], "occupancy_pct -1 is not between"),
    (["B001", DAY2.isoformat(), "ten", "600", "5", "0", "0", "0", "0", "", ""], "handled ten is not a number"),
    (["B001", DAY2.isoformat(), "10.5", "600", "5", "0", "0", "0", "0", "", ""], "handled 10.5 is not a whole"),
    (["B001", DAY2.isoformat(), "10", "600", "", "0", "0", "0", "0", "", ""], "resolved_first_contact is empty"),
    (["A001", DAY1.isoformat(), "40", "12000", "32", "1", "2", "2", "1", "", ""], "repeats line 2"),
]


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
@pytest.mark.parametrize(("row", "reason"), BAD_ROWS, ids=[reason for _row, reason in BAD_ROWS])
def test_each_kind_of_bad_row_is_refused_with_its_line_and_reason(fmt, row, reason, agents):
    details = refused(ENCODERS[fmt]([GOOD_ROWS[0], row]))
    assert len(details) == 1
    assert details[0].startswith("line 3: ")
    assert reason in details[0]


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_a_file_with_many_bad_rows_reports_every_one_and_writes_nothing(fmt, agents):
    rows = [GOOD_ROWS[0], *(row for row, _reason in BAD_ROWS), GOOD_ROWS[1]]
    details = refused(ENCODERS[fmt](rows))
    assert [d.split(":")[0] for d in details] == [f"line {n}" for n in range(3, 3 + len(BAD_ROWS))]
    for detail, (_row, reason) in zip(details, BAD_ROWS, strict=True):
        assert reason in detail


def test_a_row_with_several_problems_names_all_of_them(agents):
    row = ["Z999", "yesterday", "-1", "x", "0", "0", "0", "0", "0", "", ""]
    (detail,) = refused(csv_bytes([row]))
    for reason in ("unknown agent Z999", "date yesterday", "handled -1 is negative", "handle_seconds x"):
        assert reason in detail


def test_a_csv_line_with_too_many_or_too_few_fields_is_refused(agents):
    data = csv_bytes(GOOD_ROWS[:1]) + b"A001,2026-01-01,1\n" + ",".join(GOOD_ROWS[2] + ["extra"]).encode() + b"\n"
    details = refused(data)
    assert details == ["line 3: expected 11 fields, found fewer", "line 4: expected 11 fields, found 12"]


def test_blank_lines_are_skipped_and_keep_line_numbers(agents):
    data = csv_bytes(GOOD_ROWS[:1]) + b"\n" + csv_bytes([BAD_ROWS[0][0]]).split(b"\n", 1)[1]
    assert refused(data) == ["line 4: unknown agent Z999"]


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_missing_and_unknown_columns_are_named(fmt, agents):
    header = [c for c in COLUMNS if c not in ("praise", "handled")] + ["shoe_size"]
    details = refused(ENCODERS[fmt]([["A001"] * len(header)], header=header))
    assert details == ["line 1: Missing columns: handled, praise.", "line 1: Unknown columns: shoe_size."]


def test_a_repeated_column_is_refused(agents):
    details = refused(csv_bytes(GOOD_ROWS, header=[*COLUMNS[:-1], "handled"]))
    assert "line 1: Repeated columns: handled." in details


def test_an_excel_sheet_with_merged_cells_is_refused(agents):
    data = xlsx_bytes(GOOD_ROWS, edit=lambda sheet: sheet.merge_cells("A3:A4"))
    details = refused(data)
    assert details == ["line 3: cells A3:A4 are merged; unmerge them and fill every cell"]


def test_an_excel_sheet_with_formulas_is_refused_naming_each_cell(agents):
    def formulas(sheet):
        sheet["C2"] = "=10*4"
        sheet["D4"] = "=SUM(D2:D3)"

    details = refused(xlsx_bytes(GOOD_ROWS, edit=formulas))
    assert details == [
        "line 2: cell C2 holds a formula; paste values only",
        "line 4: cell D4 holds a formula; paste values only",
    ]


def test_an_excel_value_beyond_the_header_is_refused(agents):
    def stray(sheet):
        sheet["M3"] = 5

    assert refused(xlsx_bytes(GOOD_ROWS, edit=stray)) == ["line 3: values in a column without a header"]


def test_a_file_that_is_not_text_or_a_workbook_is_refused(agents):
    assert refused(b"\xff\xfe\x00garbage")[0].startswith("line 1: The file is not UTF-8 text")
    assert refused(b"PK\x03\x04 not really a zip")[0].startswith("line 1: The file is not an Excel workbook")


def test_an_empty_file_or_a_header_alone_is_refused(agents):
    assert refused(b"") == ["line 1: The file is empty: a header row is expected."]
    assert refused(csv_bytes([])) == ["line 1: There are no KPI rows to import."]


def test_a_refused_file_leaves_earlier_records_untouched(agents):
    KpiRecordFactory(agent=agents[0], date=DAY1, handled=5, handle_seconds=500, resolved_first_contact=1)
    with pytest.raises(ValidationFailed):
        import_kpi_file(csv_bytes([GOOD_ROWS[0], BAD_ROWS[0][0]]))
    assert KpiRecord.objects.get().handled == 5


def test_a_refused_import_is_kept_in_the_history_with_its_errors(agents, admin_user):
    with pytest.raises(ValidationFailed):
        import_kpi_file(csv_bytes([GOOD_ROWS[0], BAD_ROWS[0][0]]), filename="bad.csv", imported_by=admin_user)
    history = KpiImport.objects.get()
    assert (history.status, history.filename, history.imported_by) == ("refused", "bad.csv", admin_user)
    assert history.errors == ["line 3: unknown agent Z999"]
    assert (history.created, history.updated) == (0, 0)


def test_an_inactive_agent_still_takes_records_of_past_days(team_a):
    AgentFactory(team=team_a, employee_number="A001", active=False)
    AgentFactory(team=team_a, employee_number="B001")
    assert import_kpi_file(csv_bytes(GOOD_ROWS)).created == 3


# --- the command ---------------------------------------------------------------------------


def test_the_command_imports_a_file(tmp_path, agents):
    path = tmp_path / "kpi.xlsx"
    path.write_bytes(xlsx_bytes(GOOD_ROWS))
    out = io.StringIO()
    call_command("import_kpi", str(path), stdout=out)
    assert "3 created, 0 replaced, 0 unchanged" in out.getvalue()


def test_the_command_lists_every_bad_line(tmp_path, agents):
    path = tmp_path / "kpi.csv"
    path.write_bytes(csv_bytes([BAD_ROWS[0][0], BAD_ROWS[1][0]]))
    with pytest.raises(CommandError) as caught:
        call_command("import_kpi", str(path))
    assert "line 2: unknown agent Z999" in str(caught.value)
    assert "line 3: handled -3 is negative" in str(caught.value)
    assert not KpiRecord.objects.exists()
