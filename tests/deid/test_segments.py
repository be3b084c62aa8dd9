from deid.segments import split_text


def test_short_text_is_one_segment():
    (segment,) = split_text("abc")
    assert (segment.offset, segment.text, segment.owned_start, segment.owned_end) == (0, "abc", 0, 3)


def test_long_text_segments_cover_everything_once_and_split_on_whitespace():
    text = ("word " * 50 + "\n") * 200
    segments = split_text(text, max_chars=1000, overlap=50)
    assert len(segments) > 1
    assert segments[0].owned_start == 0 and segments[-1].owned_end == len(text)
    for a, b in zip(segments, segments[1:], strict=False):
        assert a.owned_end == b.owned_start
        assert text[a.owned_end].isspace()
    for s in segments:
        assert text[s.offset : s.offset + len(s.text)] == s.text
        assert s.offset <= max(0, s.owned_start - 50) and s.offset + len(s.text) >= s.owned_end


def test_text_without_whitespace_is_still_split():
    segments = split_text("x" * 2500, max_chars=1000, overlap=10)
    assert sum(s.owned_end - s.owned_start for s in segments) == 2500
