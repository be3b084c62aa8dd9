"""Length bucketing and padding (pure logic)."""

import numpy as np
import pytest

from inference.length_buckets import bucket_by_length, group_by_width, pad_batch


def _padded_tokens(lengths, batches):
    return sum(len(b) * max(lengths[i] for i in b) for b in batches)


def test_every_index_once_and_limits_respected():
    rng = np.random.default_rng(0)
    lengths = rng.integers(3, 129, size=500).tolist()
    batches = bucket_by_length(lengths, max_batch_size=16, token_budget=1024)
    assert sorted(i for b in batches for i in b) == list(range(500))
    assert all(len(b) <= 16 for b in batches)
    assert all(len(b) * max(lengths[i] for i in b) <= 1024 for b in batches)


def test_bucketing_pads_less_than_arrival_order():
    rng = np.random.default_rng(1)
    lengths = rng.integers(3, 129, size=512).tolist()
    bucketed = bucket_by_length(lengths, max_batch_size=32, token_budget=10**9)
    arrival = [list(range(i, min(i + 32, 512))) for i in range(0, 512, 32)]
    assert len(bucketed) == len(arrival)
    assert _padded_tokens(lengths, bucketed) < 0.6 * _padded_tokens(lengths, arrival)


def test_sequence_longer_than_budget_gets_its_own_batch():
    batches = bucket_by_length([10, 600, 12], max_batch_size=8, token_budget=100)
    assert [1] in batches
    assert sorted(i for b in batches for i in b) == [0, 1, 2]


def test_token_budget_splits_batches():
    # 4 sequences of 50 tokens, budget 100: two per batch.
    assert [len(b) for b in bucket_by_length([50] * 4, max_batch_size=64, token_budget=100)] == [2, 2]


def test_empty_input_and_invalid_limits():
    assert bucket_by_length([], 4, 100) == []
    with pytest.raises(ValueError):
        bucket_by_length([1], 0, 100)


def test_pad_batch_right_pads_with_mask():
    ids, mask = pad_batch([np.array([2, 5, 3]), np.array([2, 3])], pad_id=0)
    assert ids.dtype == np.int64 and mask.dtype == np.int64
    np.testing.assert_array_equal(ids, [[2, 5, 3], [2, 3, 0]])
    np.testing.assert_array_equal(mask, [[1, 1, 1], [1, 1, 0]])
    with pytest.raises(ValueError):
        pad_batch([])


def test_padding_tally_counts_real_and_computed_tokens():
    from inference.length_buckets import PaddingTally

    tally = PaddingTally()
    assert tally.efficiency == 1.0  # nothing sent yet
    tally.add([3, 5])  # padded to 5: 10 computed
    tally.add([4])
    tally.add([])
    assert (tally.real_tokens, tally.computed_tokens) == (12, 14)
    assert tally.efficiency == 12 / 14


def test_group_by_width_merges_similar_widths_only():
    widths, rows = [40, 12, 41, 64, 13, 42], [1, 1, 1, 1, 1, 1]
    groups = group_by_width(widths, rows, max_added_padding=4, max_tokens=1000)
    assert sorted(i for g in groups for i in g) == list(range(6))
    assert [[widths[i] for i in g] for g in groups] == [[12, 13], [40, 41, 42], [64]]


def test_group_by_width_counts_rows_already_in_the_group():
    # Two rows of width 30 would each be padded by 3 tokens: 6 > 5, so the 33-wide request stays apart.
    assert group_by_width([30, 33], [2, 1], max_added_padding=5, max_tokens=1000) == [[0], [1]]
    assert group_by_width([30, 33], [1, 2], max_added_padding=5, max_tokens=1000) == [[0, 1]]


def test_group_by_width_zero_padding_merges_equal_widths_and_rejects_bad_limits():
    assert group_by_width([16, 16, 17], [1, 1, 1], max_added_padding=0, max_tokens=1000) == [[0, 1], [2]]
    assert group_by_width([], [], max_added_padding=0, max_tokens=1) == []
    with pytest.raises(ValueError):
        group_by_width([1], [1], max_added_padding=-1, max_tokens=1)
    with pytest.raises(ValueError):
        group_by_width([1], [1], max_added_padding=0, max_tokens=0)


def test_group_by_width_caps_the_padded_tokens_of_a_run():
    # Equal widths add no padding, but 3 requests of 4 x 128 rows exceed 1024 tokens together.
    assert group_by_width([128, 128, 128], [4, 4, 4], max_added_padding=10, max_tokens=1024) == [[0, 1], [2]]
    assert group_by_width([128], [16], max_added_padding=10, max_tokens=1024) == [[0]]  # too big: alone


def test_pad_batch_and_tally_honour_a_minimum_width():
    from inference.length_buckets import PaddingTally

    ids, mask = pad_batch([np.array([2, 5, 3])], pad_id=9, min_width=5)
    np.testing.assert_array_equal(ids, [[2, 5, 3, 9, 9]])
    np.testing.assert_array_equal(mask, [[1, 1, 1, 0, 0]])
    assert pad_batch([np.array([2, 5, 3])], min_width=2)[0].shape == (1, 3)  # never truncates
    tally = PaddingTally()
    tally.add([3, 2], min_width=8)
    assert (tally.real_tokens, tally.computed_tokens) == (5, 16)
