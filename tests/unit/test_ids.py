from datetime import UTC, datetime, timedelta

from blog.ids import depth_of, is_comment_id, new_comment_id, parent_of

NOON = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)


def test_a_top_level_id_is_one_segment_without_parent():
    comment_id = new_comment_id(None, NOON)

    assert is_comment_id(comment_id)
    assert parent_of(comment_id) is None
    assert depth_of(comment_id) == 1


def test_a_reply_id_extends_its_parent_id():
    parent = new_comment_id(None, NOON)
    reply = new_comment_id(parent, NOON + timedelta(seconds=1))

    assert reply.startswith(parent + ".")
    assert parent_of(reply) == parent
    assert depth_of(reply) == 2
    assert depth_of(new_comment_id(reply, NOON)) == 3


def test_siblings_sort_by_creation_time():
    ids = [new_comment_id(None, NOON + timedelta(milliseconds=step)) for step in (0, 1, 1000, 86_400_000)]

    assert sorted(ids) == ids


def test_sorting_ids_gives_thread_order():
    first = new_comment_id(None, NOON)
    second = new_comment_id(None, NOON + timedelta(minutes=1))
    late_reply_to_first = new_comment_id(first, NOON + timedelta(hours=1))
    reply_to_reply = new_comment_id(late_reply_to_first, NOON + timedelta(hours=2))

    in_thread_order = [first, late_reply_to_first, reply_to_reply, second]

    assert sorted([second, reply_to_reply, first, late_reply_to_first]) == in_thread_order


def test_ids_of_the_same_millisecond_differ():
    assert len({new_comment_id(None, NOON) for _ in range(1000)}) == 1000


def test_malformed_ids_are_not_comment_ids():
    valid = new_comment_id(None, NOON)

    assert not is_comment_id("")
    assert not is_comment_id(valid.lower())
    assert not is_comment_id(valid + ".")
    assert not is_comment_id(valid[:-1])
    assert not is_comment_id(f"{valid}/{valid}")
    assert not is_comment_id(".".join([valid] * 11))
