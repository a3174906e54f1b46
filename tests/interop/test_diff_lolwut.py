"""Differential tests of LOLWUT: this release's text by default, Redis
5's Schotter and Redis 6's skyline behind VERSION, with Redis's argument
errors. The first two rows of Schotter are not randomised, so a drawing
of at most two rows must be byte for byte redis-server's; the random ones
are compared by their layout."""

import re


def test_lolwut_default_and_errors(pair):
    assert pair.check("LOLWUT") == b"Redis ver. 7.0.15\n"
    pair.check("LOLWUT", "VERSION", "7")
    pair.check("LOLWUT", "VERSION", "1")
    pair.check("LOLWUT", "VERSION", "x")
    pair.check("LOLWUT", "VERSION")  # too few words for VERSION: the default
    for args in (("x",), ("10", "2", "1.5")):
        pair.check("LOLWUT", "VERSION", "5", *args)
    # Numbers out of range are clamped (1..1000 columns, 1..200 squares):
    # two rows or fewer are not randomised, so these come out identical.
    for args in (("0", "1", "1"), ("-1", "3", "2"), ("10", "0", "2"), ("10", "201", "0"),
                 ("1001", "2", "1"), ("10", "2", "-5")):
        pair.check("LOLWUT", "VERSION", "5", *args)
    for args in (("y",), ("10", "y")):
        pair.check("LOLWUT", "VERSION", "6", *args)
    # Clamped sizes, and extra arguments ignored (the skyline is random:
    # compare its layout).
    for args in (("0", "0"), ("1001", "1"), ("3", "2", "extra")):
        a, b = pair.both("LOLWUT", "VERSION", "6", *args)
        assert layout(a[1]) == layout(b[1]), args


def test_lolwut5_unrandomised_rows_are_identical(pair):
    for args in (("10", "2", "2"), ("30", "4", "2"), ("66", "8", "1"), ("1", "1", "1"),
                 ("5", "3", "2"), ("4", "200", "2")):
        pair.check("LOLWUT", "VERSION", "5", *args)
    pair.check("LOLWUT", "VERSION", "4.9", "10", "2", "2")


def layout(text):
    """Characters (or coloured cells) per line, and the closing lines."""
    lines = text.decode().split("\n")
    cells = [len(re.sub(r"\x1b\[[0-9;]+m \x1b\[0m", "c", ln)) for ln in lines[:-3]]
    return cells, lines[-3:]


def test_lolwut_random_art_has_redis_layout(pair):
    for args in (("5",), ("5", "40", "5", "7"), ("5", "1001"), ("5", "0", "1", "201"), ("6",),
                 ("6", "30", "8"), ("5.9", "12", "3")):
        a, b = pair.both("LOLWUT", "VERSION", *args)
        assert layout(a[1]) == layout(b[1]), args
    a, b = pair.both("LOLWUT", "VERSION", "6", "5", "2")
    cells = re.findall(r"\x1b\[([0-9;]+m) \x1b\[0m", a[1].decode())
    assert len(cells) == 10
    assert set(cells) <= {"0;30;40m", "0;90;100m", "0;37;47m", "0;97;107m"}
