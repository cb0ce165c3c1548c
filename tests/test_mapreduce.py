"""Unit tests of bdp.mapreduce, the plain-Python MapReduce of day1/02_platforms."""

from collections import Counter

import pytest

from bdp.mapreduce import (
    VOCABULARY,
    make_corpus,
    partition_of,
    run_job,
    shuffle_sort,
    split_input,
    sum_reduce,
    wordcount_map,
)

CLASSIC = ["Deer Bear River", "Car Car River", "Deer Car Bear"]


def test_classic_wordcount():
    job = run_job(CLASSIC, wordcount_map, sum_reduce, n_mappers=3, n_reducers=2)
    assert job.result() == {"bear": 2, "car": 3, "deer": 2, "river": 2}
    assert job.map_outputs[0] == [("deer", 1), ("bear", 1), ("river", 1)]
    assert job.shuffled_records() == 9


def test_corpus_is_deterministic_and_zipf_like():
    a = make_corpus(500, seed=7)
    assert a == make_corpus(500, seed=7)
    assert a != make_corpus(500, seed=8)
    assert len(a) == 500
    counts = Counter(w for line in a for w in line.split())
    assert set(counts) <= set(VOCABULARY)
    # rank 1 is the most frequent word, far ahead of the last rank
    assert counts.most_common(1)[0][0] == VOCABULARY[0]
    assert counts[VOCABULARY[0]] > 5 * counts[VOCABULARY[-1]]
    assert all(1 <= len(line.split()) <= 15 for line in a)


@pytest.mark.parametrize("n_mappers,n_reducers", [(1, 1), (3, 2), (7, 5), (16, 3)])
def test_job_matches_counter(n_mappers, n_reducers):
    lines = make_corpus(300, seed=1)
    job = run_job(lines, wordcount_map, sum_reduce, n_mappers=n_mappers, n_reducers=n_reducers)
    expected = Counter(w for line in lines for w in line.split())
    assert job.result() == dict(expected)
    # every key lands on exactly one reducer, the one its partition says
    for r, inp in enumerate(job.reducer_inputs):
        assert all(partition_of(k, n_reducers) == r for k in inp)
        assert list(inp) == sorted(inp)
    assert job.transfer_matrix().sum() == job.shuffled_records() == sum(expected.values())
    assert job.transfer_matrix().shape == (n_mappers, n_reducers)


def test_split_input_sizes():
    splits = split_input(list("abcdefghij"), 3)
    assert [len(s) for s in splits] in ([3, 4, 3], [3, 3, 4], [4, 3, 3])
    assert sum(splits, []) == list("abcdefghij")
    assert [len(s) for s in split_input(["x"], 3)].count(0) == 2
    with pytest.raises(ValueError):
        split_input(["x"], 0)


def test_combiner_shrinks_the_shuffle_not_the_result():
    lines = make_corpus(400, seed=3)

    def combiner(pairs):
        local = Counter()
        for k, v in pairs:
            local[k] += v
        return sorted(local.items())

    plain = run_job(lines, wordcount_map, sum_reduce, n_mappers=4, n_reducers=2)
    combined = run_job(lines, wordcount_map, sum_reduce, n_mappers=4, n_reducers=2,
                       combiner=combiner)
    assert combined.result() == plain.result()
    assert combined.shuffled_records() <= 4 * len(VOCABULARY) < plain.shuffled_records()


def test_partition_is_stable_and_validated():
    assert partition_of("river", 4) == partition_of("river", 4)
    assert {partition_of(w, 3) for w in VOCABULARY} == {0, 1, 2}
    with pytest.raises(ValueError):
        partition_of("x", 0)
    assert shuffle_sort([[("b", 1), ("a", 2)], [("a", 3)]], 1) == [{"a": [2, 3], "b": [1]}]


def test_bad_corpus_arguments():
    with pytest.raises(ValueError):
        make_corpus(-1)
    with pytest.raises(ValueError):
        make_corpus(3, words_per_line=0)
