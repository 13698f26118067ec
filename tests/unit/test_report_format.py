"""The report's numbers and legend classes as a person reads them."""

import pandas as pd

from gcrm.report import format as fmt
from gcrm.report.classes import NO_DATA, classify


def test_values_and_changes_read_like_a_report():
    assert fmt.value(4008743.4, "currency") == "$4,008,743"
    assert fmt.value(52.314, "currency") == "$52.31"
    assert fmt.value(13.0, "customers") == "13"
    assert fmt.value(0.02412, "share") == "2.4%"
    assert fmt.value(None, "currency") == "no data"
    assert fmt.change(0.027, 0.024, "share") == "+0.3 pp"  # rates change in points
    assert fmt.change(110, 100, "orders") == "+10.0%"
    assert fmt.change(3.2, 3.5, "score 1-5") == "-0.30"
    assert fmt.change(5, 0, "cases") == "new" and fmt.change(5, None, "cases") is None
    assert fmt.direction(0.02401, 0.02399, "share") == 0  # prints +0.0 pp: flat
    assert fmt.direction(90, 100, "orders") == -1


def test_count_classes_step_in_whole_numbers_and_cover_every_value():
    values = pd.Series([3, 7, 12, 40, 41, 97, 250, 251, None])
    classes = classify(values, unit="customers", k=4)
    assert all(float(b).is_integer() for b in classes.bounds)
    assert classes.labels[0].startswith("3 – ")
    for before, after in zip(classes.labels, classes.labels[1:], strict=False):
        upper = int(before.split(" – ")[1].replace(",", ""))
        assert after.startswith(f"{upper + 1:,} – ")  # 13 follows 12: no gap, no overlap
    assert classes.bounds[-1] >= 251 and classes.color(251) == classes.colors[-1]
    assert classes.color(None) == NO_DATA


def test_money_classes_are_round_and_few_values_make_few_classes():
    classes = classify(pd.Series([87824.47, 187214.31, 97994.99]), unit="currency", k=5)
    assert len(classes.bounds) == 3
    assert classes.labels == ("$87,824 – $95,000", "$95,001 – $130,000",
                              "$130,001 – $190,000")
    assert len({classes.color(v) for v in (87824.47, 187214.31, 97994.99)}) == 3
    assert classify(pd.Series([None, None]), unit="currency").bounds == ()
