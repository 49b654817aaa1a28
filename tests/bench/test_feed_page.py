"""The bench counts an item's size as DynamoDB does: names and values in UTF-8."""

from bench.feed_page import LargestPost, item_bytes


def test_strings_count_their_utf8_bytes_and_their_names() -> None:
    assert item_bytes({"pk": {"S": "POST#a"}}) == 2 + 6
    assert item_bytes({"title": {"S": "Grüße"}}) == 5 + 7


def test_numbers_lists_and_maps_count_as_dynamodb_documents_them() -> None:
    assert item_bytes({"n": {"N": "12345"}}) == 1 + 4
    assert item_bytes({"tags": {"L": [{"S": "ab"}, {"S": "c"}]}}) == 4 + 3 + (2 + 1) + (1 + 1)
    assert item_bytes({"m": {"M": {"k": {"BOOL": True}}}}) == 1 + 3 + (1 + 1) + 1


def test_a_query_page_holds_as_many_entries_as_fit_whole_in_a_megabyte() -> None:
    assert LargestPost(content_bytes=1, html_bytes=1, entry_bytes=104_858).per_query_page == 9
    assert LargestPost(content_bytes=1, html_bytes=1, entry_bytes=104_857).per_query_page == 10
