import pytest

from guichet.core.exports import csv_cell


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        (None, ""),
        (42, "42"),
        ("Rue de la Paix", "Rue de la Paix"),
        ('=HYPERLINK("http://x")', '\'=HYPERLINK("http://x")'),
        ("+33 4 72 00 00 00", "'+33 4 72 00 00 00"),
        ("-1", "'-1"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tcmd", "'\tcmd"),
        ("\rcmd", "'\rcmd"),
        ("a=b", "a=b"),
    ],
)
def test_a_csv_cell_is_never_a_formula(value, cell):
    assert csv_cell(value) == cell
