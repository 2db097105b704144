from __future__ import annotations

from secmods.core.people import display_name
from tests.factories import PersonFactory, UserFactory


def test_a_login_is_named_by_its_person_then_its_full_name_then_its_login(db):
    with_person = UserFactory(username="ae1", first_name="A", last_name="E")
    PersonFactory(user=with_person, name="Ann Example")
    assert display_name(with_person) == "Ann Example"
    assert display_name(UserFactory(username="bo2", first_name="Bo", last_name="Lee")) == "Bo Lee"
    assert display_name(UserFactory(username="c3")) == "c3"
    assert display_name(None) == ""
