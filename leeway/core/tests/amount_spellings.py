"""The one table of amount spellings: what API.md's decimal strings accept and what they refuse.

Every surface that takes an amount (the API, the pages, CSV imports, outcomes) is tested against
this table, so they cannot drift apart.
"""

# (text, the amount it is)
ACCEPTED = [
    ("25", "25.00"),
    ("25.5", "25.50"),
    ("25.00", "25.00"),
    ("0.01", "0.01"),
    ("0", "0.00"),
    ("007.10", "7.10"),
    (" 25.00 ", "25.00"),  # a cell's or a field's padding, ASCII blanks only
    ("1000000000", "1000000000.00"),
]

# Spellings Decimal() would read (or a person might type) that are not API.md's format.
NOT_A_NUMBER = [
    "1e3",
    "1E3",
    "2.5e1",
    "1e-2",
    "+25",
    "+25.00",
    "\u0662\u0665",  # Arabic-Indic digits: "٢٥"
    "\u0662\u0665.\u0660\u0660",
    "\u06f2\u06f5",  # Extended Arabic-Indic (Persian)
    "\u0968\u096b",  # Devanagari
    "\uff12\uff15",  # fullwidth
    "\U0001d7d0\U0001d7d3",  # mathematical bold
    "25_000",
    "0x19",
    "25.",
    ".5",
    "1,000.00",
    "25,00",
    "25 00",
    "\u00a025",  # a no-break space is not padding
    "25\u2009",
    "NaN",
    "Infinity",
    "-Infinity",
    "inf",
    "twenty",
    "25.0.0",
    "--25",
    "25\x00",
]

# (text, code): right shape but for one thing, refused with the reason that helps.
REFUSED_WITH_REASON = [
    ("-1.00", "amount_negative"),
    ("-25", "amount_negative"),
    ("1.001", "amount_too_precise"),
    ("25.000", "amount_too_precise"),
    ("1000000000.01", "amount_too_large"),
    ("9" * 40, "amount_too_large"),
    ("", "amount_required"),
    ("   ", "amount_required"),
]

# Exchange rates are decimal strings of the same shape (NOT_A_NUMBER applies to them too), with up to
# eight decimals. (text, the rate it is)
RATE_ACCEPTED = [
    ("0.73", "0.73000000"),
    ("1", "1.00000000"),
    ("1.08", "1.08000000"),
    ("0.00000001", "0.00000001"),
    ("123.45678901", "123.45678901"),
    (" 0.73 ", "0.73000000"),
    ("9999999999", "9999999999.00000000"),
]

# (text, code)
RATE_REFUSED_WITH_REASON = [
    ("0", "rate_not_positive"),
    ("0.00000000", "rate_not_positive"),
    ("-1.08", "rate_not_positive"),
    ("-0.73", "rate_not_positive"),
    ("0.000000001", "rate_too_precise"),
    ("1.123456789", "rate_too_precise"),
    ("10000000000", "rate_too_large"),
    ("9" * 40, "rate_too_large"),
    ("", "rate_required"),
    ("  ", "rate_required"),
]
