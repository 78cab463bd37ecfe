"""Home-page panels per role (filled below)."""


def register_panels() -> None:
    pass
