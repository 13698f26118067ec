"""Before the first build the cube says what to run; a wrong request says what is wrong
even then."""

import pytest
from sqlalchemy import text

from gcrm import cube
from gcrm.errors import InvalidInput


def test_a_cube_never_built_says_to_build_it_and_then_answers(world):
    with pytest.raises(InvalidInput, match="run `gcrm cube build`"):
        cube.query(["revenue"], level="county", engine=world)
    with pytest.raises(InvalidInput, match="Unknown level 'parish'"):
        cube.query(["revenue"], level="parish", engine=world)
    cube.build(engine=world)
    frame = cube.query(["revenue"], level="state", engine=world)
    with world.connect() as conn:
        total = conn.execute(text("SELECT sum(amount) FROM sales")).scalar()
    assert float(frame["revenue"].sum()) == pytest.approx(float(total))
