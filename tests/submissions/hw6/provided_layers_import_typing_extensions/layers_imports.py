from typing_extensions import Literal  # noqa: F811  (the course's edition, before typing.Literal)
