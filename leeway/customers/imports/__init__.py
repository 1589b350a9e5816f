"""CSV imports of customers, transactions and outcomes: streamed, checked, all or nothing.

A file is read row by row (csv over a text wrapper, never the whole file), each
row checked with the same rules as the API. Good rows go to a staging table in
short chunked transactions, so memory stays bounded and the progress is
visible to other connections. Duplicates are then found with SQL. Only when
the whole file is good are the staged rows moved to the real tables, in one
transaction; otherwise nothing is written and the report lists the bad rows
(row number as a spreadsheet shows it, field, reason).

Its modules, by concern: `parse` (what a file must look like), `report` (the rows with problems),
`write` (staging, duplicates, applying) and `runner` (a job run end to end).
"""

from leeway.customers.imports.parse import (
    CHUNK_ROWS,
    FIRST_DATA_ROW,
    SPECS,
    STAGE_FIELDS,
    FileRefused,
    ImportSpec,
    check_header,
    expected_columns_text,
)
from leeway.customers.imports.report import REPORT_LIMIT, RowReport, refusal_lines, row_error_summary
from leeway.customers.imports.runner import ProgressCallback, import_file, import_job_create
from leeway.customers.imports.write import Staging

__all__ = [
    "CHUNK_ROWS",
    "FIRST_DATA_ROW",
    "REPORT_LIMIT",
    "SPECS",
    "STAGE_FIELDS",
    "FileRefused",
    "ImportSpec",
    "ProgressCallback",
    "RowReport",
    "Staging",
    "check_header",
    "expected_columns_text",
    "import_file",
    "import_job_create",
    "refusal_lines",
    "row_error_summary",
]
